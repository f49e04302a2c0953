/**
 * The collector's name and version, as the report states them. The bundler replaces
 * `__TASK_VERSION__` with task.json's version; unbundled (in tests) it reads `0.0.0-dev`.
 */
declare const __TASK_VERSION__: string | undefined;

/** The collector's name in reports. */
export const TASK_NAME = 'ContainerMappingV1';

/** task.json's Major.Minor.Patch. */
export const TASK_VERSION: string = typeof __TASK_VERSION__ === 'string' ? __TASK_VERSION__ : '0.0.0-dev';
