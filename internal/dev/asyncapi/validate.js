// validate.js FILE... parses each AsyncAPI document with the AsyncAPI
// project's parser, resolving its $refs to the files beside it, and prints a
// JSON array with one object per file: the diagnostics, and the channels and
// operations as the parser understood them (read by asyncapi_test.go).
'use strict';
const path = require('path');
const { Parser, fromFile } = require('@asyncapi/parser');

const severities = ['error', 'warning', 'information', 'hint'];

async function parse(parser, file) {
  const { document, diagnostics } = await fromFile(parser, path.resolve(file)).parse();
  const out = {
    file,
    diagnostics: diagnostics.map((d) => ({
      severity: severities[d.severity] || String(d.severity),
      code: String(d.code),
      message: d.message,
      path: (d.path || []).join('/'),
    })),
    channels: [],
    operations: [],
  };
  if (!document) {
    return out;
  }
  for (const ch of document.channels()) {
    const stream = ch.extensions().get('x-jetstream-stream');
    out.channels.push({
      id: ch.id(),
      address: ch.address() || '',
      stream: stream ? String(stream.value()) : '',
      parameters: ch.parameters().all().map((p) => ({ id: p.id(), enum: p.json().enum || [] })),
      messages: ch.messages().all().map((m) => ({
        id: m.id(),
        name: m.name() || '',
        contentType: m.contentType() || '',
        payloadId: m.hasPayload() ? m.payload().json()['$id'] || '' : '',
      })),
    });
  }
  for (const op of document.operations()) {
    out.operations.push({
      id: op.id(),
      action: op.action(),
      channels: op.channels().all().map((c) => c.id()),
      reply: op.reply() ? op.reply().messages().all().map((m) => m.name()) : [],
    });
  }
  return out;
}

async function main() {
  const parser = new Parser();
  const results = [];
  for (const file of process.argv.slice(2)) {
    results.push(await parse(parser, file));
  }
  process.stdout.write(JSON.stringify(results, null, 1) + '\n');
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
