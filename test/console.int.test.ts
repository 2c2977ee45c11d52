// The web console in a real browser (headless Chromium), against the real stack listening on a local port: answer
// links from captured notifications, forms rendered from a JSON Schema and checked twice, the live inbox and the
// live run view, escaping of user text, and the content policy (any violation fails the test that caused it).
import { mkdir } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, signIn, watchedPage, type WatchedPage } from './support/browser.js';
import { startHttpPeer, type HttpPeer } from './support/http-peer.js';
import { runToEnd, saveWorkflow, startRunOf, waitForRun } from './support/runs.js';
import { startTestStack, type TestStack } from './support/stack.js';

const PUBLIC_URL = 'http://loom.invalid';
const SCREENSHOTS = process.env.LOOM_SCREENSHOTS === '1';

let stack: TestStack;
let hook: HttpPeer;
let browser: Browser;
let base: string;
const opened: WatchedPage[] = [];

beforeAll(async () => {
  hook = await startHttpPeer((app) => {
    app.post('/chat', async () => ({ ok: true }));
  });
  stack = await startTestStack({ notify: { webhookUrl: `${hook.url}/chat`, publicUrl: PUBLIC_URL } });
  base = await stack.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
  if (SCREENSHOTS) await mkdir('docs', { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await hook?.close();
});
afterEach(async () => {
  // Every page a test opened ran without a CSP violation, a console error or an uncaught exception.
  const problems = opened.flatMap((p) => p.problems);
  await Promise.all(opened.splice(0).map((p) => p.context.close()));
  expect(problems).toEqual([]);
});

async function open(options?: Parameters<typeof watchedPage>[1]): Promise<WatchedPage> {
  const watched = await watchedPage(browser, options);
  opened.push(watched);
  return watched;
}

/** The answer link of the run's request, as the chat notification carried it, pointed at this gateway. */
async function linkOf(runId: string): Promise<string> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const sent = hook.requests.map((r) => r.body as { loom?: { runId?: string; answerUrl?: string } }).find((b) => b.loom?.runId === runId);
    if (sent?.loom?.answerUrl) {
      expect(sent.loom.answerUrl.startsWith(`${PUBLIC_URL}/a/`)).toBe(true);
      return sent.loom.answerUrl.replace(PUBLIC_URL, base);
    }
  }
  throw new Error(`no notification for run ${runId}`);
}

const HOSTILE = `Delete <b>500</b> records? <img src=x onerror="console.error('xss')"><script>console.error('xss')</script>`;

const APPROVAL = {
  name: 'cleanup',
  nodes: [
    { id: 'start', type: 'trigger.manual' },
    { id: 'ok', type: 'human.approval', name: 'Approve cleanup', config: { message: HOSTILE } },
    {
      id: 'done',
      type: 'data.set',
      name: 'Report',
      config: {
        // Over 128 KB: the output is offloaded, and the run view fetches it whole only when asked.
        assignments: [
          { name: 'html', value: '<i>done</i><script>console.error(1)</script>' },
          { name: 'big', value: 'x'.repeat(200_000) },
        ],
      },
    },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'ok' },
    { id: 'e2', source: 'ok', target: 'done' },
  ],
};

const FORM = {
  type: 'object',
  required: ['name', 'count'],
  properties: {
    // propertyOrder: stored as jsonb, the keys come back sorted by length.
    name: { type: 'string', title: 'Name', minLength: 2, propertyOrder: 1 },
    count: { type: 'integer', title: 'How many', minimum: 1, maximum: 10, propertyOrder: 2 },
    size: { type: 'string', title: 'Size', enum: ['small', 'large'], propertyOrder: 3 },
    urgent: { type: 'boolean', title: 'Urgent', propertyOrder: 4 },
    tags: { type: 'array', title: 'Tags', items: { type: 'string' }, propertyOrder: 5 },
    address: { type: 'object', title: 'Address', properties: { city: { type: 'string', title: 'City' } }, propertyOrder: 6 },
  },
};

describe('console', () => {
  it('answers an approval from its notification link, shows HTML as text, and the run completes in the run view', async () => {
    const runId = await startRunOf(stack.api, await saveWorkflow(stack.api, APPROVAL));
    const link = await linkOf(runId);
    const { page } = await open();
    await page.goto(link);
    // The question's markup is text: no <img>, no <script> made it into the page.
    await expect.poll(() => page.locator('h1').textContent()).toBe(HOSTILE);
    expect(await page.locator('main img, main script').count()).toBe(0);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('your answer Approve was recorded');

    // The same link again: answered, and nothing to click.
    await expect
      .poll(async () => {
        await page.goto(link);
        return page.locator('main').textContent();
      })
      .toContain('already answered');
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    // A second post (the old form, replayed) changes nothing.
    expect((await waitForRun(stack.api, runId)).status).toBe('completed');

    await signIn(page, base, stack.user);
    await page.goto(`${base}/console/runs/${runId}`);
    await expect.poll(() => page.locator('#run-status').textContent()).toBe('completed');
    expect(await page.locator('.node.status-completed').count()).toBe(3);
    await page.locator('.node[data-node="done"]').click();
    const output = page.locator('#details pre').nth(1);
    await expect.poll(() => output.textContent()).toContain('xxxxxxxx');
    expect((await output.textContent())!.length).toBeLessThan(10_000);
    await page.getByRole('button', { name: /^Show all/ }).click();
    await expect.poll(async () => (await output.textContent())!.length).toBeGreaterThan(200_000);
    expect(await output.textContent()).toContain('<i>done</i><script>');
    expect(await page.locator('#details i, #details script').count()).toBe(0);
  });

  it('checks a schema form in the page, again on the server without script, and sends the document it describes', async () => {
    const runId = await startRunOf(
      stack.api,
      await saveWorkflow(stack.api, {
        name: 'form',
        nodes: [
          { id: 'start', type: 'trigger.manual' },
          { id: 'ask', type: 'human.question', config: { question: 'Order details?', form: FORM } },
        ],
        edges: [{ id: 'e1', source: 'start', target: 'ask' }],
      }),
    );
    const link = await linkOf(runId);
    const { page } = await open();
    await page.goto(link);
    await page.getByLabel('Name').fill('Ada');
    await page.getByLabel('How many').fill('50');
    await page.getByLabel('Tags').fill('red\nblue');
    await page.getByRole('button', { name: 'Send answer' }).click();
    // The page's script stopped the post and said why, beside the field.
    await expect.poll(() => page.locator('#f-count-error').isVisible()).toBe(true);
    expect(await page.locator('#f-count').getAttribute('aria-invalid')).toBe('true');
    expect(page.url()).toBe(link);
    // Readable on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 375, height: 740 });
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 960, height: 720 });
    if (SCREENSHOTS) await page.screenshot({ path: 'docs/console-answer.png', fullPage: true });

    // Without script the form posts as is, and the server's check answers with the same page and its errors.
    const noScript = await open({ javaScriptEnabled: false });
    await noScript.page.goto(link);
    await noScript.page.getByLabel('Name').fill('A');
    await noScript.page.getByLabel('How many').fill('3');
    await noScript.page.getByRole('button', { name: 'Send answer' }).click();
    await expect.poll(() => noScript.page.locator('#f-name-error').textContent()).toMatch(/2/);
    expect(await noScript.page.locator('#f-name').inputValue()).toBe('A');
    await noScript.page.getByLabel('Name').fill('Ada');
    await noScript.page.getByLabel('Size').selectOption('large');
    await noScript.page.getByLabel('Urgent').check();
    await noScript.page.getByLabel('Tags').fill('red\nblue\n');
    await noScript.page.getByLabel('City').fill('Paris');
    await noScript.page.getByRole('button', { name: 'Send answer' }).click();
    await expect.poll(() => noScript.page.getByRole('status').textContent()).toContain('was recorded');

    const run = await waitForRun(stack.api, runId);
    expect(run.status).toBe('completed');
    expect((run.nodes.find((n) => n.nodeId === 'ask')?.output as { answer?: unknown }).answer).toEqual({
      name: 'Ada',
      count: 3,
      size: 'large',
      urgent: true,
      tags: ['red', 'blue'],
      address: { city: 'Paris' },
    });
  });

  it('shows a new request in the live inbox, answers it in place, and the run view turns its nodes green live', async () => {
    const workflowId = await saveWorkflow(stack.api, {
      name: 'live',
      nodes: [
        { id: 'start', type: 'trigger.manual' },
        { id: 'ask', type: 'human.question', name: 'Ship it', config: { question: 'Ship release 2.0?', options: ['yes', 'no'] } },
        { id: 'after', type: 'data.set', name: 'Announce', config: { assignments: [{ name: 'shipped', value: true }] } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'ask' },
        { id: 'e2', source: 'ask', target: 'after' },
      ],
    });
    const inbox = await open();
    await signIn(inbox.page, base, stack.user);
    await expect.poll(() => inbox.page.locator('#live-state').textContent()).toContain('Live');

    const runId = await startRunOf(stack.api, workflowId);
    // Arrives without a reload.
    const item = inbox.page.locator('#inbox li', { hasText: 'Ship release 2.0?' });
    await expect.poll(() => item.count(), { timeout: 20_000 }).toBe(1);
    if (SCREENSHOTS) await inbox.page.screenshot({ path: 'docs/console-inbox.png' });

    const view = await open();
    await signIn(view.page, base, stack.user);
    await view.page.goto(`${base}/console/runs/${runId}`);
    const ask = view.page.locator('.node[data-node="ask"]');
    const after = view.page.locator('.node[data-node="after"]');
    await expect.poll(() => ask.getAttribute('class')).toContain('status-waiting');
    expect(await after.getAttribute('class')).toContain('status-pending');
    await expect.poll(() => view.page.locator('#live-state').textContent()).toContain('Live');
    // A node's details, fetched when it is selected (keyboard: Enter).
    await view.page.locator('.node[data-node="start"]').focus();
    await view.page.keyboard.press('Enter');
    await expect.poll(() => view.page.locator('#details h2').textContent()).toBe('start');
    if (SCREENSHOTS) await view.page.screenshot({ path: 'docs/console-run.png', fullPage: true });
    // On a phone the graph scrolls in its own box; the page itself does not get wider than the screen.
    await view.page.setViewportSize({ width: 375, height: 740 });
    expect(await view.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await view.page.setViewportSize({ width: 960, height: 720 });

    await item.getByRole('button', { name: 'yes' }).click();
    await expect.poll(() => item.count()).toBe(0);
    // The run view was not reloaded: SSE turned both nodes green and the run completed.
    await expect.poll(() => after.getAttribute('class'), { timeout: 20_000 }).toContain('status-completed');
    expect(await ask.getAttribute('class')).toContain('status-completed');
    await expect.poll(() => view.page.locator('#run-status').textContent()).toBe('completed');
    expect(await view.page.locator('#timeline li', { hasText: 'request answered' }).count()).toBe(1);

    // The runs list, filtered, links to it.
    await view.page.goto(`${base}/console/runs?status=completed&workflow=${workflowId}&since=1h`);
    expect(await view.page.locator(`a[href="/console/runs/${runId}"]`).count()).toBe(1);
    await view.page.goto(`${base}/console/runs?status=failed&workflow=${workflowId}`);
    expect(await view.page.locator(`a[href="/console/runs/${runId}"]`).count()).toBe(0);
  });

  it("shows another user's run as a 404 page, and sends strangers to sign in", async () => {
    const runId = (await stack.api.inject({ method: 'GET', url: '/v1/runs?limit=1' })).json<{ items: { id: string }[] }>().items[0]!.id;
    const other = await stack.createUser({ name: 'other' });
    const stranger = await open();
    await stranger.page.goto(`${base}/console/runs/${runId}`);
    expect(stranger.page.url()).toContain('/console/sign-in?next=');
    await signIn(stranger.page, base, other);
    const res = await stranger.page.goto(`${base}/console/runs/${runId}`);
    expect(res?.status()).toBe(404);
    expect(await stranger.page.locator('h1').textContent()).toBe('Not found');
    expect(await stranger.page.locator('svg.graph, #timeline').count()).toBe(0);
    // Its node details and its controls too (the form post carries this user's valid CSRF token).
    await stranger.page.goto(`${base}/console`);
    const csrf = await stranger.page.locator('nav input[name="csrf"]').inputValue();
    const details = await stranger.page.request.get(`${base}/console/runs/${runId}/nodes/start`);
    expect(details.status()).toBe(404);
    const post = await stranger.page.request.post(`${base}/console/runs/${runId}/control`, { form: { csrf, action: 'stop' } });
    expect(post.status()).toBe(404);
  });

  it('blocks and reports an inline script (the CSP watch itself)', async () => {
    const watched = await open();
    await watched.page.goto(`${base}/console/sign-in`);
    // An injected inline script (what an escaping bug would let through) is refused by the policy and reported.
    const ran = await watched.page.evaluate(`(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__ran = true';
      document.body.append(s);
      await new Promise((r) => setTimeout(r, 100));
      return window.__ran === true;
    })()`);
    expect(ran).toBe(false);
    await expect.poll(() => watched.problems.some((p) => p.startsWith('CSP violation: script-src'))).toBe(true);
    // This page's violation is the point here, not a failure.
    watched.problems.length = 0;
  });
});

describe('console sign-in cookie', () => {
  const cookieOf = (setCookie: string | string[] | undefined, name: string) =>
    [setCookie ?? []].flat().find((c) => c.startsWith(`${name}=`));

  async function signInByForm(headers: Record<string, string> = {}) {
    const form = await stack.app.inject({ method: 'GET', url: '/console/sign-in', headers });
    const pre = cookieOf(form.headers['set-cookie'], 'loom_csrf')!;
    const value = pre.split(';')[0]!.split('=')[1]!;
    const res = await stack.app.inject({
      method: 'POST',
      url: '/console/sign-in',
      headers: { ...headers, cookie: `loom_csrf=${value}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        email: stack.user.email,
        password: stack.user.password,
        csrf: value,
        next: '//evil.example/x',
      }).toString(),
    });
    return { pre, res, session: cookieOf(res.headers['set-cookie'], 'loom_console') };
  }

  it('is HttpOnly and SameSite=Strict, Secure behind HTTPS, and never a bearer token (nor a bearer token a cookie)', async () => {
    const plain = await signInByForm();
    expect(plain.pre).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    expect(plain.res.statusCode).toBe(303);
    // `next` may only name a console or answer page: no open redirect.
    expect(plain.res.headers.location).toBe('/console');
    expect(plain.session).toMatch(/^loom_console=[\w.-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const behindTls = await signInByForm({ 'x-forwarded-proto': 'https' });
    expect(behindTls.session).toMatch(/; Secure$/);

    const token = plain.session!.split(';')[0]!.split('=')[1]!;
    const page = await stack.app.inject({ method: 'GET', url: '/console', headers: { cookie: `loom_console=${token}` } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    // The API's own routes do not read the cookie, and the cookie's token is no bearer token.
    expect((await stack.app.inject({ method: 'GET', url: '/v1/runs', headers: { cookie: `loom_console=${token}` } })).statusCode).toBe(401);
    expect((await stack.app.inject({ method: 'GET', url: '/v1/runs', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(
      401,
    );
    // An access token put in the cookie is not a console sign-in.
    const forged = await stack.app.inject({
      method: 'GET',
      url: '/console',
      headers: { cookie: `loom_console=${stack.user.accessToken}` },
    });
    expect(forged.statusCode).toBe(401);
  });

  it('refuses form posts without the CSRF token or from another site, streams opened from another origin, and ends at sign-out', async () => {
    const { session } = await signInByForm();
    const cookie = session!.split(';')[0]!;
    const runId = (await runToEnd(stack.api, { name: 'short', nodes: [{ id: 'start', type: 'trigger.manual' }], edges: [] })).id;
    const page = await stack.app.inject({ method: 'GET', url: '/console', headers: { cookie, accept: 'text/html' } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const post = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      stack.app.inject({
        method: 'POST',
        url: `/console/runs/${runId}/control`,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: new URLSearchParams(body).toString(),
      });
    expect((await post({ action: 'stop' })).statusCode).toBe(403);
    expect((await post({ action: 'stop', csrf: `${csrf}x` })).statusCode).toBe(403);
    expect((await post({ action: 'stop', csrf }, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    // The token passes; the run is over, so the refusal is the orchestrator's.
    expect((await post({ action: 'stop', csrf })).statusCode).toBe(409);

    const events = (origin: string) =>
      stack.app.inject({ method: 'GET', url: `/v1/runs/${runId}/events`, headers: { cookie, origin }, payloadAsStream: true });
    expect((await events('http://evil.example')).statusCode).toBe(403);

    // A form body past the console's limit is refused before it is parsed.
    const huge = await post({ csrf, action: 'x'.repeat(300 * 1024) });
    expect(huge.statusCode).toBe(413);

    const out = await stack.app.inject({
      method: 'POST',
      url: '/console/sign-out',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: `csrf=${csrf}`,
    });
    expect(out.statusCode).toBe(303);
    expect(cookieOf(out.headers['set-cookie'], 'loom_console')).toMatch(/Max-Age=0/);
    // The sign-in behind the cookie is over: the old cookie sends a browser back to sign in.
    const after = await stack.app.inject({ method: 'GET', url: '/console/runs', headers: { cookie, accept: 'text/html' } });
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/console/sign-in?next=%2Fconsole%2Fruns');
  });
});

describe('console forms under hostile input', () => {
  it('say so for an expired or a forged link, as a page', async () => {
    const html = { accept: 'text/html' };
    const expired = await stack.app.inject({
      method: 'GET',
      url: `/a/${stack.links.sign({ requestId: 'req_none', expiresAt: Date.now() - 1_000 })}`,
      headers: html,
    });
    expect(expired.statusCode).toBe(409);
    expect(expired.headers['content-type']).toMatch(/^text\/html/);
    expect(expired.body).toContain('This answer link has expired');
    const forged = await stack.app.inject({ method: 'GET', url: `/a/${'x'.repeat(20)}.${'y'.repeat(43)}`, headers: html });
    expect(forged.statusCode).toBe(404);
    expect(forged.body).toContain('This answer link is not valid');
  });

  it('parse a body of one name repeated in linear time, and refuse it', async () => {
    const link = stack.links.sign({ requestId: 'req_none', expiresAt: Date.now() + 60_000 });
    const started = Date.now();
    const res = await stack.app.inject({
      method: 'POST',
      url: `/a/${link}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1&'.repeat(60_000),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('VALIDATION_FAILED');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
