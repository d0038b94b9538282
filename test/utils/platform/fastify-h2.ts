process.env.SSE_PLATFORM = 'fastify';
process.env.SSE_TRANSPORT = 'h2';
