import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Lets in requests that carry `Authorization: Bearer <SSE_ADMIN_TOKEN>`. Without the variable the
 * admin API is off: it lists and ends every client's stream, which no visitor may do.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const token = process.env.SSE_ADMIN_TOKEN;
    if (!token) throw new ForbiddenException('The admin API is off; set SSE_ADMIN_TOKEN to turn it on.');
    const request = context.switchToHttp().getRequest<{ headers: IncomingMessage['headers'] }>();
    const given = Buffer.from(request.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new UnauthorizedException('Send Authorization: Bearer <SSE_ADMIN_TOKEN>.');
    }
    return true;
  }
}
