/** `container-mapping token create|hash`: makes static tokens and the config entries that hold their hashes. */
import { parseArgs } from 'node:util';
import { generateToken, hashToken, staticTokenProblems } from '../auth/staticTokens';
import type { StaticTokenConfig } from '../config';
import { UsageError, type Command } from './command';

const SCOPES: readonly string[] = ['ingest', 'read', 'inventory', 'remediate'];

export const tokenCommand: Command = {
  summary: 'create a static token, or hash one',
  usage:
    'token create --name NAME --scope ingest|read|inventory|remediate (comma-separated for several) [--organization NAME|URL] [--project PROJECT_ID] | token hash TOKEN',
  async run(args, io) {
    const [action, ...rest] = args;
    if (action === 'hash') {
      const token = rest[0];
      if (!token) throw new UsageError('token hash needs the token');
      io.out(hashToken(token));
      return 0;
    }
    if (action !== 'create') throw new UsageError('token needs create or hash');
    const { values } = parseArgs({
      args: rest,
      options: { name: { type: 'string' }, scope: { type: 'string' }, organization: { type: 'string' }, project: { type: 'string' } },
      strict: true,
    });
    if (!values.name) throw new UsageError('--name is required');
    const scopes = (values.scope ?? '').split(',').filter(Boolean);
    if (scopes.length === 0 || scopes.some((s) => !SCOPES.includes(s)))
      throw new UsageError('--scope must be ingest, read, inventory, remediate, or several of them comma-separated');
    const token = generateToken();
    const entry: StaticTokenConfig = { name: values.name, sha256: hashToken(token), scopes: scopes as StaticTokenConfig['scopes'] };
    if (values.organization) entry.organization = values.organization;
    if (values.project) entry.project = values.project;
    // The service would refuse to start with this entry: say so now, before a token is shown.
    const problems = staticTokenProblems([entry]).map((p) => p.replace(/^tokens\[0\] "[^"]*": /, ''));
    if (problems.length > 0) throw new UsageError(problems.map((p) => `--${p}`).join('; '));
    io.out(`token (shown once, store it as a secret): ${token}`);
    io.out(`add to "tokens" in the config file: ${JSON.stringify(entry)}`);
    return 0;
  },
};
