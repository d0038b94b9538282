import { Controller, Get, Header } from '@nestjs/common';
import { PAGE } from './page.html.js';

@Controller()
export class PageController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }
}
