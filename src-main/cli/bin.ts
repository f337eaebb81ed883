import { runCli } from './main.js';

// Exit explicitly: an engine's sockets must not keep a finished command alive.
process.exit(await runCli(process.argv.slice(2)));
