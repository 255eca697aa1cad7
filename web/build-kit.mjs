#!/usr/bin/env node
// Build the embed kit (web/dist/kit/) from rasa-webchat's prebuilt bundle and web/kit/.
//
// Run by scripts/web_install.sh (`make web`) after `npm ci`; `npm run build` runs it too. Node >= 18, no
// dependencies. The kit is a plain directory any static host or CDN can serve as it is:
//
//   assistant.js   the loader the host page includes (web/kit/assistant.js, version stamped)
//   assistant.css  default look, theming through CSS custom properties (web/kit/assistant.css)
//   webchat.js     rasa-webchat 1.0.1's UMD bundle (React included), patched as listed in PATCHES
//   webchat.css    the bundle's own styles, extracted here instead of injected as <style> elements at run
//                  time, so host pages need neither 'unsafe-inline' styles nor anything from the internet
//   kit.json       version, files with their sha384 (for Subresource Integrity) and the CSP the kit needs
//   LICENSE-rasa-webchat.txt
//
// Every patch must match exactly as often as expected, and the outputs are checked for anything that
// would load from another host: a new rasa-webchat build fails here instead of misbehaving in a browser.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const WEB = dirname(fileURLToPath(import.meta.url));
const BUNDLE = join(WEB, "node_modules/rasa-webchat/lib/index.js");
const OUT = join(WEB, "dist/kit");
const REMOTE_IMPORT = /@import url\((?:https?:)?\/\/[^)]*\);?/g;

// [what and why, search, replacement, expected number of matches]
const PATCHES = [
  [
    "no <style> injection: style-loader adds nothing to the page (its CSS is in webchat.css)",
    'e.exports=function(e,t){if("undefined"!=typeof DEBUG&&DEBUG&&"object"!=typeof document)',
    'e.exports=function(e,t){return function(){};if("undefined"!=typeof DEBUG&&DEBUG&&"object"!=typeof document)',
    1,
  ],
  [
    "one socket per widget: rasa-webchat creates a new socket.io connection whenever the chat re-renders " +
      "while the server is unreachable (its isInitialized() means 'connected'); socket.io reconnects by itself",
    "return null!==this.socket&&this.socket.connected",
    "return null!==this.socket",
    1,
  ],
  [
    "no init payload when it is empty (the kit shows its own opening message instead of asking Rasa)",
    'r.emit("user_uttered",{message:t,customData:n,session_id:l}),u({type:"INITIALIZE"})',
    't&&r.emit("user_uttered",{message:t,customData:n,session_id:l}),u({type:"INITIALIZE"})',
    1,
  ],
  [
    "no inline <style> for the page-highlight animation (a feature the kit does not use)",
    'a=document.createElement("style");if(a.innerHTML=i,document.body.appendChild(a),',
    "a=null;if(",
    1,
  ],
];

function fail(message) {
  console.error(`build-kit: ${message}`);
  process.exit(1);
}

function count(text, search) {
  return text.split(search).length - 1;
}

// Run the bundle once in a sandbox with a permissive stand-in for the DOM, capturing each CSS part that
// style-loader would have injected, in injection order.
function extractCss(bundle) {
  const parts = [];
  const capturing = bundle.split("{transform:void 0}").join("{transform:function(c){__kitCss.push(c);return\"\"}}");
  const stub = () =>
    new Proxy(function () {}, {
      get: (_, key) => (key === Symbol.toPrimitive ? () => "" : key === "then" ? undefined : stub()),
      apply: () => stub(),
      construct: () => stub(),
      set: () => true,
    });
  const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {} };
  const sandbox = { __kitCss: parts, console: quiet, setTimeout, clearTimeout, setInterval, clearInterval };
  Object.assign(sandbox, {
    window: sandbox,
    self: sandbox,
    navigator: { userAgent: "build-kit" },
    location: { href: "http://localhost/", protocol: "http:", hostname: "localhost", search: "" },
    document: stub(),
    matchMedia: () => ({ matches: false, addListener() {}, removeListener() {} }),
  });
  vm.createContext(sandbox);
  try {
    vm.runInContext(capturing, sandbox, { filename: "rasa-webchat/lib/index.js", timeout: 20000 });
  } catch (error) {
    fail(`could not evaluate the widget bundle to extract its CSS: ${error.message}`);
  }
  if (typeof sandbox.WebChat !== "object" || typeof sandbox.WebChat.default !== "function") {
    fail("the widget bundle did not define WebChat.default");
  }
  if (parts.length === 0) fail("no CSS captured from the widget bundle");
  return parts;
}

function sha(algorithm, data, encoding) {
  return createHash(algorithm).update(data).digest(encoding);
}

let bundle;
try {
  bundle = readFileSync(BUNDLE, "utf8");
} catch {
  fail(`${BUNDLE} is missing: run npm ci in web/ (scripts/web_install.sh does)`);
}
const pkg = JSON.parse(readFileSync(join(WEB, "node_modules/rasa-webchat/package.json"), "utf8"));
if (pkg.version !== "1.0.1") fail(`expected rasa-webchat 1.0.1, found ${pkg.version}: review PATCHES first`);

const cssParts = extractCss(bundle);
const webchatCss =
  `/* rasa-webchat ${pkg.version} styles (Apache-2.0), extracted by web/build-kit.mjs; the remote web-font import removed. */\n` +
  cssParts.map((part) => part.replace(REMOTE_IMPORT, "").trim()).filter(Boolean).join("\n") +
  "\n";

let webchatJs = bundle.replace(REMOTE_IMPORT, "");
for (const [why, search, replacement, expected] of PATCHES) {
  const found = count(webchatJs, search);
  if (found !== expected) fail(`patch "${why}": expected ${expected} match(es), found ${found}`);
  webchatJs = webchatJs.split(search).join(replacement);
}
webchatJs =
  `/* rasa-webchat ${pkg.version} (Apache-2.0, see LICENSE-rasa-webchat.txt), patched by web/build-kit.mjs. */\n` +
  webchatJs;

for (const [name, text] of [["webchat.js", webchatJs], ["webchat.css", webchatCss]]) {
  if (/fonts\.googleapis|fonts\.gstatic|@import/.test(text)) fail(`${name} still imports something remote`);
}
for (const url of webchatCss.match(/url\([^)]*\)/g) || []) {
  if (!/^url\(["']?data:/.test(url)) fail(`webchat.css refers to ${url.slice(0, 80)}`);
}

const loaderSource = readFileSync(join(WEB, "kit/assistant.js"), "utf8");
const assistantCss = readFileSync(join(WEB, "kit/assistant.css"), "utf8");
const version = sha("sha256", webchatJs + webchatCss + loaderSource + assistantCss, "hex").slice(0, 12);
if (!loaderSource.includes("__KIT_VERSION__")) fail("web/kit/assistant.js must contain __KIT_VERSION__");
const assistantJs = loaderSource.split("__KIT_VERSION__").join(version);

const files = {
  "assistant.js": assistantJs,
  "assistant.css": assistantCss,
  "webchat.js": webchatJs,
  "webchat.css": webchatCss,
  "LICENSE-rasa-webchat.txt": readFileSync(join(WEB, "node_modules/rasa-webchat/LICENSE"), "utf8"),
};
const manifest = {
  name: "sce-routing-assistant embed kit",
  version,
  widget: `rasa-webchat ${pkg.version}`,
  snippet:
    '<script src="https://static.example.org/assistant/assistant.js" data-rasa-url="https://chat.example.org" ' +
    'data-lang="en"></script>',
  csp: {
    "script-src": ["<kit origin>"],
    "style-src": ["<kit origin>"],
    "img-src": ["<kit origin>", "data:", "<logo origin, if data-logo is used>"],
    "font-src": ["data:"],
    "connect-src": ["https://<rasa host>", "wss://<rasa host>"],
  },
  patches: PATCHES.map(([why]) => why),
  files: Object.fromEntries(
    Object.entries(files).map(([name, text]) => [
      name,
      { bytes: Buffer.byteLength(text), sha384: `sha384-${sha("sha384", text, "base64")}` },
    ]),
  ),
};

// Write into a fresh directory, then swap it in, so a static server never sees a half-built kit.
const staging = `${OUT}.tmp-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
for (const [name, text] of Object.entries(files)) writeFileSync(join(staging, name), text);
writeFileSync(join(staging, "kit.json"), JSON.stringify(manifest, null, 2) + "\n");
rmSync(OUT, { recursive: true, force: true });
mkdirSync(dirname(OUT), { recursive: true });
renameSync(staging, OUT);
console.log(`embed kit ${version} built in web/dist/kit/ (${Object.keys(files).length + 1} files)`);
