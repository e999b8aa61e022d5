// `pnpm deps` (part of `npm test`): no import circles, and the layers of ARCHITECTURE.md.
// A workspace import resolves to the package's dist/ once built and stays `@weft/<name>` before;
// the rules match both.
const pkg = (name) => `^(packages/${name}/|@weft/${name}($|/))`;
const app = (name) => `^(apps/${name}/|@weft/${name}($|/))`;
const src = (dir) => `^${dir}/src/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: a module depends on itself through others (type imports included).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'packages/core imports no workspace package and no app: it is the bottom layer.',
      from: { path: src('packages/core') },
      to: { path: [pkg('db'), pkg('devdb'), '^apps/', '^@weft/(api|runner|web)'] },
    },
    {
      name: 'db-only-above-core',
      severity: 'error',
      comment: 'packages/db builds on core alone.',
      from: { path: src('packages/db') },
      to: { path: [pkg('devdb'), '^apps/', '^@weft/(api|runner|web)'] },
    },
    {
      name: 'web-only-above-core',
      severity: 'error',
      comment: 'The editor talks to the api over tRPC: it imports core, and the router type only.',
      from: { path: src('apps/web') },
      to: { path: [pkg('db'), pkg('devdb'), app('runner')] },
    },
    {
      name: 'web-takes-api-types-only',
      severity: 'error',
      comment:
        'The web app may import the api router type (`@weft/api/types`, types only), never the api code.',
      from: { path: src('apps/web') },
      to: { path: app('api'), pathNot: '^(@weft/api/types|apps/api/dist/types\\.d\\.ts)$' },
    },
    {
      name: 'cli-only-above-core',
      comment:
        'The weft command talks to a Weft over tRPC: its code imports core and the api router type (`@weft/api/types`, types only), nothing else of the workspace.',
      severity: 'error',
      from: { path: src('packages/cli') },
      to: {
        path: [pkg('db'), pkg('devdb'), '^apps/', '^@weft/(api|runner|web)($|/)'],
        pathNot: '^(@weft/api/types|apps/api/dist/types\\.d\\.ts)$',
      },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      comment: 'The weft command is a leaf: no package or app builds on it.',
      from: { pathNot: '^packages/cli/' },
      to: { path: pkg('cli') },
    },
    {
      name: 'apps-never-import-each-other',
      severity: 'error',
      comment: 'api and runner share code through packages only.',
      from: { path: '^apps/(api|runner)/' },
      to: { path: ['^apps/', '^@weft/(api|runner|web)($|/)'], pathNot: '^apps/$1/' },
    },
    {
      name: 'apps-use-the-embedded-database-only-in-tests',
      severity: 'error',
      comment: 'devdb starts a database for tests and `npm start`; app code connects through db.',
      from: { path: '^apps/(api|runner|web)/src/' },
      to: { path: pkg('devdb') },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '/dist/'] },
    // dist/ is not excluded (an import of a package's built code must still show, as a leaf);
    // the command cruises source folders only.
    exclude: { path: ['/node_modules/', '\\.d\\.ts$', '/test-results/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs'],
    },
  },
};
