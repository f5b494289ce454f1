import { execFileSync, spawnSync } from "node:child_process";
import { berth } from "./env";

/** Runs a command as the test user (the one whose rootless Podman Berth manages). */
export function asUser(...args: string[]): string {
  return execFileSync(berth.asUser, [berth.user, ...args], { encoding: "utf8" }).trim();
}

/** `podman` as the test user. */
export function podman(...args: string[]): string {
  return asUser("podman", ...args);
}

/** What `podman info` says the server version is. */
export function podmanVersion(): string {
  return podman("info", "--format", "{{.Version.Version}}");
}

/** How many containers `podman ps -a` lists. */
export function containerCount(): number {
  const out = podman("ps", "-a", "--format", "{{.ID}}");
  return out === "" ? 0 : out.split("\n").length;
}

/** Runs the berth binary as the current user (root, in `make test`). */
export function runBerthAsCurrentUser(...args: string[]) {
  return spawnSync(berth.bin, args, { encoding: "utf8", timeout: 30_000 });
}
