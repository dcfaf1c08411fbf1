/** What a person needs to try the sandbox: a curl to paste and where to watch the result. */
export function sandboxBanner(opts: {
  serviceUrl: string;
  emulatorUrl: string;
  /** The sandbox's stand-in for the application's event endpoint, when it runs one. */
  appUrl?: string;
  apiKey: string | undefined;
}): string {
  const auth = opts.apiKey ? ` \\\n  -H 'Authorization: Bearer ${opts.apiKey}'` : '';
  const rule = '='.repeat(78);
  return `
${rule}
  SANDBOX MODE - no real SMS is sent. Sinch is played by a local emulator.
${rule}

  Console:       ${opts.serviceUrl}/   (open it in a browser${opts.apiKey ? `; API key: ${opts.apiKey}` : ''})
  API reference: ${opts.serviceUrl}/docs/   (OpenAPI 3.1 for Postman: ${opts.serviceUrl}/openapi.json)
  Service:       ${opts.serviceUrl}
  Emulator:      ${opts.emulatorUrl}   (what it received and sent: ${opts.emulatorUrl}/_emulator/messages)
${opts.appUrl ? `  Your app:      ${opts.appUrl}   (each event it gets prints a "your app ←" line)\n` : ''}
  Send a message:

curl -s -X POST ${opts.serviceUrl}/send-sms \\
  -H 'Content-Type: application/json'${auth} \\
  -d '{"to": "+15551234567", "message": "Hello from the sandbox"}'

  Watch it turn Delivered in the console within a few seconds, or follow it with the messageId
  from the answer:

curl -s ${opts.serviceUrl}/messages/<messageId>${opts.apiKey ? ` -H 'Authorization: Bearer ${opts.apiKey}'` : ''}

  The last three digits of "to" choose what happens: 901 Failed, 902 Expired, 903 Rejected,
  910 no report, 911 duplicate reports, 912 out of order, 913 slow, 922 Sinch 500 ...
  (see src/emulator/README.md). Stop with Ctrl+C.
${rule}

`;
}
