// Types for eslint.config.js, so the SAST stage and its tests can build the config for any root.
import type { Linter } from 'eslint';

/** Where lint looks: the app, the browser scripts and the tooling. */
export declare const LINT_TARGETS: string[];
/** The whole lint configuration for a project rooted at `rootDir`. */
export declare function createConfig(rootDir: string): Linter.Config[];
declare const config: Linter.Config[];
export default config;
