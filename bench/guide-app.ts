// The peer a user would otherwise run: the guide's app (Express, express.json(), a callback handler that
// prints what it got with console.log and answers 200 "OK"), written here in our own code with the same
// work per callback: a banner line, the time, the body pretty-printed, one status line and the client
// reference. It stores nothing. The benchmark sends its stdout to a file, as a deployment would.
import express from 'express';

const app = express();
app.use(express.json());
app.post('/webhooks/dlr', (req, res) => {
  const report = req.body as Record<string, unknown>;
  console.log('--- delivery report received ---');
  console.log('At:', new Date().toISOString());
  console.log('Body:', JSON.stringify(report, null, 2));
  const { batch_id, status, recipient, client_reference } = report;
  console.log(`Batch ${String(batch_id)}, recipient ${String(recipient ?? 'N/A')}: ${String(status)}`);
  if (client_reference) console.log(`Client reference: ${String(client_reference)}`);
  res.status(200).send('OK');
});

app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
