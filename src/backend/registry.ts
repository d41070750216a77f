import { BackendUnavailableError, KerasValueError } from '../errors.js';
import type { AnyAdapter } from './adapter.js';

export interface BackendInfo {
  name: string;
  available: boolean;
  /** Why the backend cannot start; present only when `available` is false. */
  reason?: string;
  /** Where it computes, once started or probed. */
  device?: string;
  /** Settings that change its numbers (Adapter.settings), e.g. `{ oneDNN: 'on (TF_ENABLE_ONEDNN_OPTS=1)' }`. */
  settings?: Record<string, string>;
}

/** What listBackends says of a started adapter; `settings` only where the adapter has some. */
export function startedInfo(adapter: AnyAdapter): BackendInfo {
  const settings = adapter.settings && Object.keys(adapter.settings).length ? { settings: { ...adapter.settings } } : {};
  return { name: adapter.name, available: true, device: adapter.device, ...settings };
}

/** A backend is a name and an async factory; the factory throws with the cause when it cannot start. */
export type BackendFactory = () => Promise<AnyAdapter>;

const factories = new Map<string, BackendFactory>();
const started = new Map<string, AnyAdapter>();
let active: AnyAdapter | undefined;

export function registerBackend(name: string, factory: BackendFactory): void {
  factories.set(name, factory);
  started.delete(name);
}

/** The registered backends' names, in registration order, without starting any. */
export function registeredBackends(): string[] {
  return [...factories.keys()];
}

/** Registers an adapter that needs no start-up, and makes it active if none is yet. */
export function registerAdapter(adapter: AnyAdapter): void {
  registerBackend(adapter.name, async () => adapter);
  started.set(adapter.name, adapter);
  active ??= adapter;
}

async function start(name: string): Promise<AnyAdapter> {
  const ready = started.get(name);
  if (ready) return ready;
  const factory = factories.get(name);
  if (!factory) {
    throw new KerasValueError(
      `Unknown backend: ${name}. Registered backends: ${registeredBackends().join(', ')}.`,
    );
  }
  try {
    const adapter = await factory();
    started.set(name, adapter);
    return adapter;
  } catch (cause) {
    throw new BackendUnavailableError(cause instanceof Error ? cause.message : String(cause), name);
  }
}

/** Switches the active backend; raises BackendUnavailableError with the cause, never falls back. */
export async function setBackend(name: string): Promise<void> {
  active = await start(name);
}

export function getBackend(): string {
  return currentAdapter().name;
}

export function currentAdapter(): AnyAdapter {
  if (!active) throw new BackendUnavailableError('No backend is registered.');
  return active;
}

/** Every registered backend, each probed by starting it once. */
export async function listBackends(): Promise<BackendInfo[]> {
  const infos: BackendInfo[] = [];
  for (const name of factories.keys()) {
    try {
      infos.push({ ...startedInfo(await start(name)), name });
    } catch (e) {
      if (!(e instanceof BackendUnavailableError)) throw e;
      infos.push({ name, available: false, reason: e.reason });
    }
  }
  return infos;
}
