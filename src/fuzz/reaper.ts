/// <reference types="node" />
/**
 * Child processes that must not outlive this one: killed when it exits, and on SIGINT or SIGTERM (then
 * the signal is raised again, so the default action still ends this process). The handlers are there only
 * while a child is tracked, so they never change how a process without oracles reacts to a signal.
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

function onExit(): void {
  killAll();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  uninstall();
  // Anyone else listening decides what the signal does; alone, we restore the default: ending.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

export function track(child: ChildProcess): void {
  if (children.size === 0) install();
  children.add(child);
}

export function untrack(child: ChildProcess): void {
  if (!children.delete(child)) return;
  if (children.size === 0) uninstall();
}
