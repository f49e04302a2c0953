// Which part of the project may import which: the layering the folder READMEs describe,
// checked by `npm run lint:deps` (part of `npm run check`). Type-only imports count too:
// a layer that needs another's types is coupled to it.
//
// No known violations are tolerated: a new one fails `npm run check`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: modules that cannot be understood, loaded or tested one without the other.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'common-is-the-bottom',
      severity: 'error',
      comment: 'common/ is the contract both sides share; it depends on neither the collector, the task nor the service.',
      from: { path: '^common/' },
      to: { path: '^(collector|tasks|service|github-action)/' },
    },
    {
      name: 'collector-without-hosts',
      severity: 'error',
      comment:
        'collector/ is the platform-neutral collection every host bundles (the Azure DevOps task, the GitHub Action); it imports no host and not the service.',
      from: { path: '^collector/' },
      to: { path: '^(tasks|service|github-action)/' },
    },
    {
      name: 'service-without-collector',
      severity: 'error',
      comment: 'The service never imports the collector; what it shares with the collector lives in common/.',
      from: { path: '^service/' },
      to: { path: '^collector/' },
    },
    {
      name: 'action-without-task-or-service',
      severity: 'error',
      comment:
        'The GitHub Action (github-action/) bundles the collector and common/; it shares nothing with the Azure DevOps task and never imports the service.',
      from: { path: '^github-action/' },
      to: { path: '^(tasks|service)/' },
    },
    {
      name: 'action-host-without-io',
      severity: 'error',
      comment:
        "The action's host and its pure parts reach the runner only through what its entries (pre/main/post.ts, collect.ts) hand them, so that their tests need no runner.",
      from: { path: '^github-action/src/(host|settings|githubRun|report|state|summary)\\.ts$' },
      to: { path: ['(^|/)node_modules/@actions/', '^(node:)?fs$', '(^|/)node_modules/dockerode/'] },
    },
    {
      name: 'task-without-service',
      severity: 'error',
      comment: 'The task ships alone in every pipeline; what it shares with the service lives in common/.',
      from: { path: '^tasks/' },
      to: { path: '^service/' },
    },
    {
      name: 'service-without-task',
      severity: 'error',
      comment: 'The service never imports the task; what it shares with the task lives in common/.',
      from: { path: '^service/' },
      to: { path: '^tasks/' },
    },
    {
      name: 'collector-flow-without-io',
      severity: 'error',
      comment:
        "The collector flow (collector/collection.ts, and the task's host around it) reaches the agent, the engine, Azure DevOps and the disk only through its injected dependencies, built in the task's collect.ts, so that its tests need none of them.",
      from: { path: '^(collector|tasks/ContainerMappingV1)/collection\\.ts$' },
      to: { path: ['(^|/)node_modules/(azure-pipelines-task-lib|dockerode|azure-devops-node-api)/', '^(node:)?fs$'] },
    },
    {
      name: 'auth-without-store',
      severity: 'error',
      comment: 'Authentication and authorisation decide on claims and reports, not on storage.',
      from: { path: '^service/src/auth/' },
      to: { path: '^service/src/store/' },
    },
    {
      name: 'routes-without-cli',
      severity: 'error',
      comment: 'HTTP routes do not depend on the command line.',
      from: { path: '^service/src/routes/' },
      to: { path: '^service/src/cli/' },
    },
    {
      name: 'explorer-cores-are-pure',
      severity: 'error',
      comment:
        'The explorer cores (kubernetes/, vulnerabilities/, platforms/) are pure functions over parsed JSON: nothing outside their own folder, no Node built-in, no package.',
      from: { path: '^service/src/explorer/(kubernetes|vulnerabilities|platforms)/' },
      to: { pathNot: ['^service/src/explorer/$1/'] },
    },
    {
      name: 'cluster-sync-without-cli',
      severity: 'error',
      comment:
        'Reading a cluster (explorer/sync/) is not a command: cli/sync.ts uses it, never the reverse, so that serve can run it on a schedule.',
      from: { path: '^service/src/explorer/sync/' },
      to: { path: '^service/src/cli/' },
    },
    {
      name: 'backfill-without-cli',
      severity: 'error',
      comment: 'Backfill (also run on a schedule inside serve) is not a command: the command in cli/ uses it, never the reverse.',
      from: { path: '^service/src/backfill/' },
      to: { path: '^service/src/cli/' },
    },
    {
      name: 'query-command-without-routes',
      severity: 'error',
      comment: 'query --database reads the store as the routes do, through modules both import, not through a route.',
      from: { path: '^service/src/cli/query\\.ts$' },
      to: { path: '^service/src/routes/' },
    },
    {
      name: 'config-without-database-drivers',
      severity: 'error',
      comment: 'Loading the configuration must not load better-sqlite3 and pg; only openStore does.',
      from: { path: '^service/src/config\\.ts$' },
      to: { path: '(^|/)node_modules/(pg|better-sqlite3)/', reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|build)/' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
