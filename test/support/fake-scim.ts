import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';

/** A SCIM 2.0 service on loopback holding groups and their members, for revocation tests. */
export interface FakeScim {
  baseUrl: string;
  token: string;
  groups: Map<string, { id: string; displayName: string; members: { value: string }[] }>;
  patches: { groupId: string; body: unknown; idempotencyKey: string | undefined }[];
  /** Answer every request with this redirect (0 turns it off). */
  redirectTo: string;
  /** Accept PATCH requests without removing anyone, as a target that ignores them would. */
  ignorePatches: boolean;
}

export function useFakeScim(): FakeScim {
  const scim: FakeScim & { server?: Server } = {
    baseUrl: '',
    token: 'scim-test-token',
    groups: new Map(),
    patches: [],
    redirectTo: '',
    ignorePatches: false,
  };
  beforeAll(async () => {
    scim.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (scim.redirectTo) return void res.writeHead(302, { location: scim.redirectTo }).end();
        if (req.headers.authorization !== `Bearer ${scim.token}`)
          return void res.writeHead(401).end();
        const match = /^\/scim\/v2\/Groups\/([^/?]+)$/.exec(req.url ?? '');
        const group = match ? scim.groups.get(decodeURIComponent(match[1]!)) : undefined;
        if (!group)
          return void res
            .writeHead(404, { 'content-type': 'application/scim+json' })
            .end('{"status":"404"}');
        if (req.method === 'GET') {
          return void res
            .writeHead(200, { 'content-type': 'application/scim+json' })
            .end(JSON.stringify(group));
        }
        if (req.method === 'PATCH') {
          const patch = JSON.parse(body) as { Operations: { op: string; path: string }[] };
          scim.patches.push({
            groupId: group.id,
            body: patch,
            idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          });
          for (const operation of scim.ignorePatches ? [] : patch.Operations) {
            const member = /^members\[value eq "(.+)"\]$/.exec(operation.path);
            if (operation.op === 'remove' && member)
              group.members = group.members.filter((m) => m.value !== member[1]);
          }
          return void res.writeHead(204).end();
        }
        res.writeHead(405).end();
      });
    });
    await new Promise<void>((resolve) => scim.server!.listen(0, '127.0.0.1', resolve));
    const address = scim.server.address();
    scim.baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/scim/v2`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => scim.server?.close(() => resolve()) ?? resolve());
  });
  return scim;
}
