import fs from 'node:fs';
import path from 'node:path';
import log from 'electron-log/node.js';

export interface Logger {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
}

/**
 * A file logger in the library's logs folder (electron-log works in plain Node as well as in
 * Electron). The console only gets warnings and errors, so a progress bar stays readable.
 */
export function createFileLogger(logsDir: string, name: string, consoleLevel: 'warn' | 'error' | false = 'warn'): Logger {
  fs.mkdirSync(logsDir, { recursive: true });
  const logger = log.create({ logId: `shoebox-${name}-${process.pid}` });
  logger.transports.file.resolvePathFn = () => path.join(logsDir, `${name}.log`);
  logger.transports.file.level = 'debug';
  logger.transports.file.maxSize = 10 * 1024 * 1024;
  logger.transports.console.level = consoleLevel;
  if (consoleLevel) logger.transports.console.writeFn = ({ message }) => process.stderr.write(`${message.data.join(' ')}\n`);
  logger.transports.console.format = `[{h}:{i}:{s}] [${name}] {text}`;
  return logger;
}
