process.env.SSE_PLATFORM = 'fastify';
