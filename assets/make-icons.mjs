// Renders the app and tray icons from SVG with sharp: `node assets/make-icons.mjs`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const here = path.dirname(fileURLToPath(import.meta.url));

const box = (fg, bg) => `
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <rect x="16" y="16" width="480" height="480" rx="104" fill="${bg}"/>
  <path d="M112 200 L256 140 L400 200 L400 360 L256 420 L112 360 Z" fill="none" stroke="${fg}" stroke-width="28" stroke-linejoin="round"/>
  <path d="M112 200 L256 260 L400 200 M256 260 L256 420" fill="none" stroke="${fg}" stroke-width="28" stroke-linejoin="round"/>
</svg>`;

const tray = (dot) => `
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
  <path d="M8 22 L32 12 L56 22 L56 46 L32 56 L8 46 Z" fill="none" stroke="#6b7280" stroke-width="5" stroke-linejoin="round"/>
  <path d="M8 22 L32 32 L56 22 M32 32 L32 56" fill="none" stroke="#6b7280" stroke-width="5" stroke-linejoin="round"/>
  ${dot ? `<circle cx="50" cy="50" r="12" fill="${dot}" stroke="#ffffff" stroke-width="3"/>` : ''}
</svg>`;

await sharp(Buffer.from(box('#ffffff', '#2f6fed'))).resize(512, 512).png().toFile(path.join(here, 'icon.png'));
await sharp(Buffer.from(box('#ffffff', '#2f6fed'))).resize(256, 256).png().toFile(path.join(here, 'icon-256.png'));
for (const [name, dot] of [['tray-idle', null], ['tray-running', '#1a8a4a'], ['tray-paused', '#d97706']]) {
  await sharp(Buffer.from(tray(dot))).resize(32, 32).png().toFile(path.join(here, `${name}.png`));
  await sharp(Buffer.from(tray(dot))).resize(64, 64).png().toFile(path.join(here, `${name}@2x.png`));
}
console.log('icons written to', here);
