// Parses every .tf file under the given directory with @cdktf/hcl2json (a WebAssembly build of the HCL2 parser;
// there is no terraform binary) and prints {"<relative path>": <parsed JSON> | {"__error": "<message>"}}.
'use strict';
const fs = require('fs');
const path = require('path');
const { parse } = require('@cdktf/hcl2json');

function tfFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('.') ? [] : tfFiles(p);
    return e.name.endsWith('.tf') ? [p] : [];
  });
}

(async () => {
  const root = path.resolve(process.argv[2]);
  const out = {};
  for (const file of tfFiles(root).sort()) {
    const rel = path.relative(root, file);
    try {
      out[rel] = await parse(rel, fs.readFileSync(file, 'utf8'));
    } catch (e) {
      out[rel] = { __error: String(e && e.message ? e.message : e) };
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
