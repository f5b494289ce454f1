// What only a running (hydrated) page does: follow Podman's events, tail logs, chart stats.
import { expect, test } from "./support/fixtures";
import { asUser, podman } from "./support/host";
import { open } from "./support/ui";

const IDLE_IMAGE = "127.0.0.1:5000/demo/idle:latest";

function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now()}`;
}

test("a container created, started and removed from the command line shows up within 2 seconds", async ({ page }) => {
  const name = uniqueName("berth-e2e-live");
  try {
    await open(page, "/containers");
    const row = page.locator(`[data-testid=container-row][data-name="${name}"]`);
    await expect(row).toHaveCount(0);

    podman("create", "--name", name, IDLE_IMAGE);
    await expect(row).toBeVisible({ timeout: 2_000 });
    await expect(row.getByTestId("state")).toHaveText("created");

    podman("start", name);
    await expect(row.getByTestId("state")).toHaveText("running", { timeout: 2_000 });

    podman("rm", "-f", "-t", "0", name);
    await expect(row).toHaveCount(0, { timeout: 2_000 });
  } finally {
    podman("rm", "-f", "--ignore", "-t", "0", name);
  }
});

test("the overview's event feed shows what Podman just did", async ({ page }) => {
  const name = uniqueName("berth-e2e-feed");
  try {
    await open(page, "/");
    podman("create", "--name", name, IDLE_IMAGE);
    const event = page.getByTestId("event-feed").getByTestId("event").filter({ hasText: name });
    await expect(event.filter({ hasText: "create" })).toHaveCount(1, { timeout: 2_000 });
  } finally {
    podman("rm", "-f", "--ignore", "-t", "0", name);
  }
});

test("the log follows what the container writes, and says when it stops", async ({ page }) => {
  const name = uniqueName("berth-e2e-follow");
  podman("run", "-d", "--name", name, IDLE_IMAGE, "sh", "-c", "echo started; exec sleep 2147483647");
  try {
    await expect.poll(() => podman("logs", name), { timeout: 10_000 }).toContain("started");
    await open(page, `/containers/${name}/logs`);
    await expect(page.getByTestId("follow-state")).toHaveText("Following live");
    const lines = page.getByTestId("log").getByTestId("log-line");
    await expect(lines).toHaveCount(1);

    // Written to the container's own standard output after the page opened.
    podman("exec", name, "sh", "-c", "echo written-later > /proc/1/fd/1");
    await expect(lines.filter({ hasText: "written-later" })).toHaveCount(1);

    // The live search filters what arrives, as it is typed.
    await page.getByTestId("log-search").fill("later");
    await expect(lines).toHaveCount(1);
    await expect(page.getByTestId("log-count")).toHaveText("1 line");
    await page.getByTestId("log-search").fill("");
    await expect(lines).toHaveCount(2);

    // Paused, a new line is not shown; following again brings it.
    await page.getByTestId("follow-toggle").click();
    await expect(page.getByTestId("follow-state")).toHaveText("Paused");
    podman("exec", name, "sh", "-c", "echo while-paused > /proc/1/fd/1");
    await page.getByTestId("follow-toggle").click();
    await expect(page.getByTestId("follow-state")).toHaveText("Following live");
    await expect(lines.filter({ hasText: "while-paused" })).toHaveCount(1);

    podman("stop", "-t", "0", name);
    await expect(page.getByTestId("follow-state")).toContainText("stopped writing");
  } finally {
    podman("rm", "-f", "--ignore", "-t", "0", name);
  }
});

test("the stats chart draws the readings it gets", async ({ page }) => {
  // A created container has no resource use, so the page keeps asking; the answers
  // are readings as Berth's server gives them.
  const name = uniqueName("berth-e2e-chart");
  podman("create", "--name", name, IDLE_IMAGE);
  try {
    const readings = [
      { cpu_percent: 12.5, memory_bytes: 50 * 1024 * 1024, memory_limit: 512 * 1024 * 1024, net_in: 2048, net_out: 1024, block_in: 0, block_out: 4096, pids: 3 },
      { cpu_percent: 40, memory_bytes: 60 * 1024 * 1024, memory_limit: 512 * 1024 * 1024, net_in: 4096, net_out: 2048, block_in: 0, block_out: 8192, pids: 4 },
      { cpu_percent: 25, memory_bytes: 64 * 1024 * 1024, memory_limit: 512 * 1024 * 1024, net_in: 3 * 1024 * 1024, net_out: 4096, block_in: 1024, block_out: 8192, pids: 4 },
    ];
    let served = 0;
    await page.route("**/api/container-stats", async (route) => {
      const sample = readings[Math.min(served, readings.length - 1)];
      served += 1;
      await route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ Ready: { Sample: sample } }) });
    });
    await open(page, `/containers/${name}`);
    const stats = page.getByTestId("stats");
    await expect(stats.getByTestId("stats-not-running")).toBeVisible();
    await expect(stats.locator("[data-polling]")).toHaveAttribute("data-polling", "on");

    await expect(stats.getByTestId("stats-cpu")).toHaveText("25.0 %", { timeout: 15_000 });
    await expect(stats.getByTestId("stats-memory")).toHaveText("64.0 MiB of 512.0 MiB");
    await expect(stats.getByTestId("stats-net")).toHaveText("3.0 MiB / 4.0 KiB");
    const points = ((await stats.getByTestId("chart-cpu").locator("polyline").getAttribute("points")) ?? "").split(" ");
    expect(points.length).toBeGreaterThanOrEqual(3);
    // The newest reading is at the right edge; 25 % on a 100 % scale is 3/4 down.
    expect(points[points.length - 1]).toBe("590.0,60.0");
    await expect(stats.getByTestId("chart-memory").locator("polyline")).toHaveAttribute("points", /590\.0,\d+\.\d$/);
  } finally {
    podman("rm", "-f", "--ignore", "-t", "0", name);
  }
});

test("resource use of a running container: a chart, or on a host without cgroups v2, why not", async ({ page }) => {
  const name = uniqueName("berth-e2e-stats");
  podman("run", "-d", "--name", name, IDLE_IMAGE);
  try {
    let asked = 0;
    page.on("request", (request) => {
      if (request.url().endsWith("/api/container-stats")) asked += 1;
    });
    await open(page, `/containers/${name}`);
    const stats = page.getByTestId("stats");
    if (podman("info", "--format", "{{.Host.CgroupsVersion}}") === "v2") {
      await expect(stats.getByTestId("chart-cpu")).toBeVisible();
      await expect(stats.locator("[data-polling]")).toHaveAttribute("data-polling", "on");
    } else {
      const message = stats.getByTestId("stats-cgroups");
      await expect(message).toContainText("not available on this host");
      await expect(message).toContainText("cgroups v2");
      await expect(message).toContainText("systemd.unified_cgroup_hierarchy=1");
      await expect(stats.locator("[data-polling]")).toHaveAttribute("data-polling", "stopped");
      // The answer came with the page: the browser never asked again.
      expect(asked).toBe(0);
    }
  } finally {
    podman("rm", "-f", "--ignore", "-t", "0", name);
  }
});

test("an open page says when the Podman socket goes away, and recovers when it returns", async ({ page }) => {
  await open(page, "/containers");
  await expect(page.getByTestId("container-count")).toBeVisible();
  try {
    asUser("systemctl", "--user", "stop", "podman.socket", "podman.service");
    const banner = page.getByTestId("podman-down");
    await expect(banner).toBeVisible({ timeout: 25_000 });
    await expect(banner).toContainText("systemctl --user enable --now podman.socket");
    await expect(banner).toContainText("tries again by itself");
  } finally {
    asUser("systemctl", "--user", "start", "podman.socket");
  }
  await expect(page.getByTestId("podman-down")).toHaveCount(0, { timeout: 25_000 });
  await expect(page.getByTestId("container-count")).toBeVisible();
});
