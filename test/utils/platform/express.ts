process.env.SSE_PLATFORM = 'express';
