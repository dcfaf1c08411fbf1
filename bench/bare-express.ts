// The baseline: Express 5 with express.json() and one route answering 200, nothing else.
import express from 'express';

const app = express();
app.use(express.json());
app.post('/webhooks/dlr', (_req, res) => {
  res.status(200).send('OK');
});

app.listen(Number(process.env.PORT), '127.0.0.1');
// Nothing to finish: a stop is an exit.
process.on('SIGTERM', () => process.exit(0));
