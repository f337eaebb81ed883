import fs from 'node:fs';
import path from 'node:path';
import log from 'electron-log/node.js';
import { LOG_ARCHIVES_KEPT, rotateLogFile } from './maintenance/log-files.js';

export interface Logger {
  info(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
}

/**
 * A file logger in the library's logs folder, rotated by size (electron-log works in plain Node as well as in
 * Electron). The console only gets warnings and errors, so a progress bar stays readable.
 */
export function createFileLogger(
  logsDir: string,
  name: string,
  consoleLevel: 'warn' | 'error' | false = 'warn',
  rotation: { maxBytes: number; keep: number } = { maxBytes: 10 * 1024 * 1024, keep: LOG_ARCHIVES_KEPT },
): Logger {
  fs.mkdirSync(logsDir, { recursive: true });
  const logger = log.create({ logId: `shoebox-${name}-${process.pid}` });
  logger.transports.file.resolvePathFn = () => path.join(logsDir, `${name}.log`);
  logger.transports.file.level = 'debug';
  // Size-based rotation keeping `keep` archives (electron-log's own keeps one `.old` file).
  logger.transports.file.maxSize = rotation.maxBytes;
  logger.transports.file.archiveLogFn = (file) => {
    try {
      rotateLogFile(file.path, rotation.keep);
    } catch {
      file.clear(); // cannot rename (a Windows lock): start the log afresh rather than grow without end
    }
  };
  logger.transports.console.level = consoleLevel;
  if (consoleLevel) logger.transports.console.writeFn = ({ message }) => process.stderr.write(`${message.data.join(' ')}\n`);
  logger.transports.console.format = `[{h}:{i}:{s}] [${name}] {text}`;
  return logger;
}
