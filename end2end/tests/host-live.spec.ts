import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Page } from "@playwright/test";
import { expect, test } from "./support/fixtures";
import { berth } from "./support/env";
import { asUser, podman } from "./support/host";
import { arrivedAt, open } from "./support/ui";

// These change the test user's whole host (its systemd manager, the firewall), so
// they run once, hydrated, and put back what they changed.

const IDLE = "127.0.0.1:5000/demo/idle:latest";
const WEB = "127.0.0.1:5000/demo/web:v1";
const LINGER = `/var/lib/systemd/linger/${berth.user}`;

function compose(policy: string): string {
  return ["services:", "  app:", `    image: ${IDLE}`, `    restart: "${policy}"`, ""].join("\n");
}

async function deployStack(page: Page, name: string, text: string) {
  await open(page, "/stacks/new");
  await page.getByTestId("stack-name").fill(name);
  await page.getByTestId("compose").fill(text);
  await page.getByTestId("create").click();
  await arrivedAt(page, /^\/stacks\/[^/]+\/deployments\/\d+$/);
  await expect(page.getByTestId("deployment-outcome")).toHaveText("ok", { timeout: 45_000 });
}

function survival(page: Page, stack: string) {
  return page.locator(`[data-testid=survival-row][data-stack="${stack}"]`);
}

function state(container: string): string {
  return podman("inspect", "--format", "{{.State.Status}}", container);
}

function quietly(run: () => unknown) {
  try {
    run();
  } catch {
    // already undone
  }
}

test("podman-restart enabled from the panel brings back the always stack after a simulated reboot, as predicted", async ({ page }) => {
  test.setTimeout(240_000);
  const always = "reboot-always";
  const never = "reboot-never";
  quietly(() => asUser("systemctl", "--user", "disable", "--now", "podman-restart.service"));
  rmSync(LINGER, { force: true });
  try {
    await deployStack(page, always, compose("always"));
    await deployStack(page, never, compose("no"));

    await open(page, "/host");
    await expect(page.getByTestId("linger")).toHaveAttribute("data-verdict", "problem");
    await expect(survival(page, always)).toHaveAttribute("data-verdict", "problem");
    await expect(survival(page, always)).toContainText("Lingering is off");
    await expect(survival(page, always)).toContainText("podman-restart.service is not enabled");

    // The owner runs the root step the panel shows (no logind here: the file form).
    await expect(page.getByTestId("linger").getByTestId("commands")).toContainText(`touch ${LINGER}`);
    mkdirSync(path.dirname(LINGER), { recursive: true });
    writeFileSync(LINGER, "");

    // And enables podman-restart from the panel.
    await open(page, "/host");
    await expect(page.getByTestId("linger")).toHaveAttribute("data-verdict", "ok");
    const unit = page.locator('[data-testid=unit][data-unit="podman-restart.service"]');
    await expect(unit).toHaveAttribute("data-verdict", "problem");
    await unit.getByTestId("enable-unit").click();
    await expect(page.getByTestId("done")).toContainText("podman-restart.service is enabled and started");
    await expect(unit).toHaveAttribute("data-verdict", "ok");
    expect(asUser("systemctl", "--user", "is-enabled", "podman-restart.service")).toBe("enabled");

    // The prediction.
    await expect(survival(page, always)).toHaveAttribute("data-verdict", "ok");
    await expect(survival(page, never)).toHaveAttribute("data-verdict", "problem");
    await expect(survival(page, never)).toContainText('its restart policy is "no"');
    await expect(page.getByTestId("survival")).toHaveAttribute("data-verdict", "problem");

    execFileSync(path.join(berth.repo, "end2end/host/reboot.sh"), ["--user", berth.user], { stdio: "inherit", timeout: 120_000 });

    // What happened: exactly what the panel said.
    await expect.poll(() => state(`${always}_app_1`), { timeout: 60_000 }).toBe("running");
    expect(state(`${never}_app_1`)).not.toBe("running");
    await open(page, "/host");
    await expect(survival(page, always)).toHaveAttribute("data-verdict", "ok", { timeout: 30_000 });
    await expect(survival(page, never)).toHaveAttribute("data-verdict", "problem");

    // Units of its own bring a container back whatever its restart policy.
    const ownUnit = `container-${never}_app_1.service`;
    await survival(page, never).getByTestId("stack-units").click();
    await expect(page.getByTestId("done")).toContainText(`Installed and enabled ${ownUnit}`);
    await expect(survival(page, never)).toHaveAttribute("data-verdict", "ok");
    expect(asUser("systemctl", "--user", "is-enabled", ownUnit)).toBe("enabled");
    await survival(page, never).getByTestId("stack-units").click();
    await expect(page.getByTestId("done")).toContainText(`Disabled and removed ${ownUnit}`);
    await expect(survival(page, never)).toHaveAttribute("data-verdict", "problem");
  } finally {
    rmSync(LINGER, { force: true });
    const leftover = `container-${never}_app_1.service`;
    quietly(() => asUser("systemctl", "--user", "disable", leftover));
    quietly(() => asUser("rm", "-f", `.config/systemd/user/${leftover}`));
    for (const stack of [always, never]) quietly(() => podman("rm", "-f", "-t", "0", `${stack}_app_1`));
  }
});

test("a forward applied with the panel's own iptables command turns to working, and back when removed", async ({ page }) => {
  const web = `forward-web-${Date.now()}`;
  const label = "80→18080/tcp";
  const card = () => page.locator(`[data-testid=forward][data-forward="${label}"]`);
  let rule: string[] = [];
  podman("run", "-d", "--name", web, "-p", "18080:8080", WEB);
  try {
    await open(page, "/host");
    await page.getByTestId("forward-source").fill("80");
    await page.getByTestId("forward-target").fill("18080");
    await page.getByTestId("forward-add").click();
    await expect(page.getByTestId("done")).toContainText(`Added ${label}`);
    await expect(card()).toHaveAttribute("data-verdict", "problem");
    await expect(card().getByTestId("forward-state")).toContainText("A connection to port 80 is refused");
    await expect(card()).toContainText(`Published by: ${web}`);

    // The loopback OUTPUT form, exactly as shown, run as root without a shell.
    const lines = (await card().getByTestId("iptables").innerText()).split("\n");
    const output = lines.find((line) => line.includes(" OUTPUT "));
    expect(output).toBeDefined();
    rule = output!.trim().split(/\s+/);
    expect(rule[0]).toBe("iptables");
    execFileSync(rule[0], rule.slice(1));

    await open(page, "/host");
    await expect(card()).toHaveAttribute("data-verdict", "ok");
    const answer = await (await fetch("http://127.0.0.1:80/")).text();
    expect(answer).toBe("berth-demo-web v1");

    execFileSync(rule[0], rule.slice(1).map((word) => (word === "-A" ? "-D" : word)));
    rule = [];
    await open(page, "/host");
    await expect(card()).toHaveAttribute("data-verdict", "problem");
    await expect(card().getByTestId("forward-state")).toContainText("refused");

    await card().getByTestId("forward-remove").click();
    await expect(page.getByTestId("done")).toContainText(`Removed ${label}`);
  } finally {
    if (rule.length > 0) quietly(() => execFileSync(rule[0], rule.slice(1).map((word) => (word === "-A" ? "-D" : word))));
    quietly(() => podman("rm", "-f", "-t", "0", web));
  }
});
