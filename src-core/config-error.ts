/** A setting (flag, environment variable, settings file) with a value that cannot be used. Exit code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
