// The MJML server of django-mjml's "tcpserver" mode, for bench/render.py.
// django-mjml documents liminspace/mjml-tcpserver, which is published on
// GitHub and Docker Hub but not on npm; this is the same protocol over the
// npm `mjml` package installed in bench/.work: a request is 9 ASCII digits
// (the MJML's byte length) and the MJML; the answer is "0" (rendered) or
// "1" (error), 9 digits (the byte length) and the HTML or the error.
'use strict';

const net = require('net');
const mjmlModule = require('mjml');
const mjml = mjmlModule.default || mjmlModule;

const HEADER = 9;
const port = Number(process.argv[2]);

function answer(conn, ok, text) {
  const body = Buffer.from(String(text), 'utf8');
  conn.write((ok ? '0' : '1') + String(body.length).padStart(HEADER, '0'));
  conn.write(body);
}

net.createServer((conn) => {
  let buffered = Buffer.alloc(0);
  let busy = false;
  conn.on('data', async (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (busy) return;
    busy = true;
    while (buffered.length >= HEADER) {
      const size = Number(buffered.subarray(0, HEADER).toString('ascii'));
      if (buffered.length < HEADER + size) break;
      const source = buffered.subarray(HEADER, HEADER + size).toString('utf8');
      buffered = buffered.subarray(HEADER + size);
      try {
        const result = await mjml(source, { validationLevel: 'soft' });
        answer(conn, true, result.html);
      } catch (err) {
        answer(conn, false, err.message);
      }
    }
    busy = false;
  });
  conn.on('error', () => {});
}).listen(port, '127.0.0.1', () => console.log(`RUN SERVER 127.0.0.1:${port}`));
