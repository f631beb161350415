import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TemporalConfig } from '../temporal.config.js';

type TlsSettings = {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
};

async function tlsOptions(config: TemporalConfig): Promise<TlsSettings | undefined> {
  if (!config.tls) return undefined;
  const settings: TlsSettings = {};
  if (config.tls.serverName) settings.serverNameOverride = config.tls.serverName;
  if (config.tls.caPath) settings.serverRootCACertificate = await readFile(config.tls.caPath);
  if (config.tls.certPath && config.tls.keyPath) {
    settings.clientCertPair = {
      crt: await readFile(config.tls.certPath),
      key: await readFile(config.tls.keyPath),
    };
  }
  return settings;
}

/** Connects a Temporal client for starting, signalling and querying workflows. */
export async function connectClient(config: TemporalConfig, address: string): Promise<Client> {
  const connection = await Connection.connect({
    address,
    tls: await tlsOptions(config),
    apiKey: config.apiKey,
  });
  return new Client({ connection, namespace: config.namespace });
}

/** Connects the worker's native (Rust core) connection with the same settings. */
export async function connectWorker(config: TemporalConfig, address: string) {
  return NativeConnection.connect({
    address,
    tls: await tlsOptions(config),
    apiKey: config.apiKey,
  });
}
