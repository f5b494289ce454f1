import { expect, test } from "./support/fixtures";
import { open } from "./support/ui";

test("the editor checks a file before saving, and says where each problem is", async ({ page }) => {
  await open(page, "/stacks/new");
  await page.getByTestId("compose").fill("services:\n  web:\n    image: x\n    build: .\n");
  await page.getByTestId("check").click();
  await expect(page.getByTestId("check-result")).toContainText("build");
  await page.getByTestId("compose").fill("services:\n  web:\n    image: x\n");
  await page.getByTestId("check").click();
  await expect(page.getByTestId("check-result")).toHaveText("No problems found.");
});
