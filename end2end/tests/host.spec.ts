import { existsSync, readFileSync } from "node:fs";
import { type Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { berth } from "./support/env";
import { open } from "./support/ui";

function forward(page: Page, label: string) {
  return page.locator(`[data-testid=forward][data-forward="${label}"]`);
}

async function addForward(page: Page, source: string, target: string, protocol = "tcp") {
  await page.getByTestId("forward-source").fill(source);
  await page.getByTestId("forward-target").fill(target);
  await page.getByTestId("forward-protocol").selectOption(protocol);
  await page.getByTestId("forward-add").click();
}

test("the host page shows every panel with a verdict that is never a false green", async ({ page }) => {
  await open(page, "/host");
  await expect(page.getByTestId("survival")).toHaveAttribute("data-verdict", /^(ok|problem|unknown)$/);
  // The test host runs no logind: the answer comes from the file logind reads at boot.
  await expect(page.getByTestId("linger")).toContainText(`/var/lib/systemd/linger/${berth.user}`);
  for (const unit of ["podman.socket", "podman-restart.service", "berth.service"]) {
    await expect(page.locator(`[data-testid=unit][data-unit="${unit}"]`)).toBeVisible();
  }
  // podman.socket is how Berth reaches Podman, and the harness enabled it.
  await expect(page.locator('[data-testid=unit][data-unit="podman.socket"]')).toHaveAttribute("data-verdict", "ok");
  // No journald here: the panel says so instead of showing an empty log.
  await expect(page.locator('[data-testid=unit][data-unit="podman.socket"]')).toContainText("No journal on this host");
  // The verdict follows the host's real hierarchy (the test machines run hybrid cgroups).
  const unified = existsSync("/sys/fs/cgroup/cgroup.controllers");
  await expect(page.getByTestId("check-cgroups").getByTestId("verdict")).toHaveAttribute("data-verdict", unified ? "ok" : "problem");
  if (!unified) await expect(page.getByTestId("check-cgroups")).toContainText("systemd.unified_cgroup_hierarchy=1");
  await expect(page.getByTestId("port-start")).toHaveText(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim());
});

test("forwards: bad ones are refused with the reason, a good one gets its commands and a live check", async ({ page }) => {
  // A source port of each project's own, so the two projects never clash.
  const source = test.info().project.name === "no-js" ? "2002" : "2001";
  const label = `${source}→18443/tcp`;
  await open(page, "/host");
  for (const [s, t, p, says] of [
    ["eighty", "8080", "tcp", 'not "eighty"'],
    ["80", "443", "tcp", "below 1024"],
    ["80", "70000", "tcp", "between 1 and 65535"],
    ["8080", "8080", "tcp", "the same"],
  ]) {
    await addForward(page, s, t, p);
    await expect(page.getByTestId("form-error")).toContainText(says);
  }
  await open(page, "/host");
  await addForward(page, source, "18443");
  await expect(page.getByTestId("done")).toContainText(`Added ${label}`);
  const card = forward(page, label);
  await expect(card).toHaveAttribute("data-verdict", "problem");
  await expect(card.getByTestId("forward-state")).toContainText("Nothing answers on port 18443");
  await expect(card.getByTestId("iptables")).toContainText(
    `iptables -t nat -A OUTPUT -o lo -p tcp --dport ${source} -m comment --comment berth-tcp-${source}-18443 -j REDIRECT --to-ports 18443`,
  );
  await expect(card).toContainText(`nft add rule ip berth prerouting tcp dport ${source} redirect to :18443`);
  await expect(card).toContainText("ansible.builtin.iptables");

  await open(page, "/host");
  await addForward(page, source, "18444");
  await expect(page.getByTestId("form-error")).toContainText(`A forward from port ${source}/tcp is in the list already`);

  await open(page, "/host");
  await forward(page, label).getByTestId("forward-remove").click();
  await expect(page.getByTestId("done")).toContainText(`Removed ${label}`);
  await expect(forward(page, label)).toHaveCount(0);
});
