/** Reported as `version` in `engine::workers::register` (§1.2). Keep in step with package.json. */
export const SDK_VERSION = '0.1.0';
