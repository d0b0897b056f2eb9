import type { UserView } from '../../shared/console/service.js';
import type { TimelineEntry } from '../../shared/console/timeline.js';
import type { PoolUser } from '../../shared/console/users.js';
import type { DailyLevels } from '../../shared/risk/assessment-log.js';

/**
 * The console page's script. Every value from the API or Cognito reaches the page as text
 * (`textContent`, `createElement`): nothing is ever parsed as HTML. The operator's token lives in
 * this page's memory only (no storage, no cookie) and travels in the Authorization header, with
 * the header the API requires of every call (`x-gatehouse-console: 1`).
 */

interface PageConfig {
  region: string;
  userPoolId: string | null;
  clientId: string | null;
  cognitoEndpoint: string;
  adminGroup: string;
}

let config: PageConfig;
let token: string | undefined;
let current: UserView | undefined;

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function say(message: string, error = false): void {
  const status = byId('status');
  status.textContent = message;
  status.classList.toggle('error', error);
}

const time = (at: number | undefined) =>
  at === undefined ? '—' : `${new Date(at).toISOString().replace('T', ' ').slice(0, 19)} UTC`;

// ------------------------------------------------------------------ calls

class ApiError extends Error {}

async function api<T>(path: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<T> {
  const answer = await fetch(`/console/api/${path}`, {
    method,
    credentials: 'omit',
    cache: 'no-store',
    headers: {
      authorization: `Bearer ${token ?? ''}`,
      'x-gatehouse-console': '1',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const payload = (await answer.json().catch(() => ({}))) as { message?: string };
  if (answer.status === 401) signOutOperator('Your session ended: sign in again.');
  if (!answer.ok) throw new ApiError(payload.message ?? `The console answered ${answer.status}.`);
  return payload as T;
}

/** Cognito's InitiateAuth, as the AWS SDK would send it (the endpoint allows browsers). */
async function signIn(username: string, password: string): Promise<void> {
  if (!config.clientId) throw new ApiError('The console has no app client configured (CONSOLE_CLIENT_ID).');
  const answer = await fetch(config.cognitoEndpoint, {
    method: 'POST',
    credentials: 'omit',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: config.clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  });
  const payload = (await answer.json()) as {
    AuthenticationResult?: { AccessToken?: string };
    ChallengeName?: string;
    message?: string;
  };
  if (payload.ChallengeName) {
    throw new ApiError(`Cognito asks for ${payload.ChallengeName}: complete it in your app first.`);
  }
  if (!answer.ok || !payload.AuthenticationResult?.AccessToken) {
    throw new ApiError(payload.message ?? 'Sign-in failed.');
  }
  token = payload.AuthenticationResult.AccessToken;
  byId('operator-name').textContent = username;
}

function signOutOperator(message: string): void {
  token = undefined;
  current = undefined;
  byId('workspace').hidden = true;
  byId('operator').hidden = true;
  byId('sign-in').hidden = false;
  say(message);
}

// ------------------------------------------------------------------ chart

const SVG = 'http://www.w3.org/2000/svg';
const LEVELS = ['low', 'medium', 'high'] as const;

function svg(tag: string, attributes: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Stacked bars per day: sign-ins by level; the blocked attempts are named above each bar. */
function drawChart(container: HTMLElement, days: DailyLevels[]): void {
  const width = 640;
  const height = 140;
  const bottom = 18;
  const top = 12;
  const slot = width / Math.max(days.length, 1);
  const most = Math.max(1, ...days.map((d) => d.low + d.medium + d.high));
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  chart.appendChild(svg('title', {}, 'Sign-ins by risk level per day'));
  days.forEach((day, index) => {
    const x = index * slot + slot * 0.15;
    let y = height - bottom;
    for (const level of LEVELS) {
      const h = (day[level] / most) * (height - bottom - top);
      if (h <= 0) continue;
      y -= h;
      const bar = svg('rect', { x, y, width: slot * 0.7, height: h, class: level });
      bar.appendChild(svg('title', {}, `${day.day}: ${day[level]} ${level}`));
      chart.appendChild(bar);
    }
    if (day.blocked > 0) {
      chart.appendChild(
        svg('text', { x: x + slot * 0.35, y: y - 2, 'text-anchor': 'middle' }, `${day.blocked} blocked`),
      );
    }
    if (index % Math.ceil(days.length / 7) === 0) {
      chart.appendChild(svg('text', { x, y: height - 4 }, day.day.slice(5)));
    }
  });
  const legend = el('div', undefined, 'legend');
  for (const level of LEVELS) {
    const item = el('span', level);
    item.prepend(el('i', undefined, level));
    legend.appendChild(item);
  }
  const blocked = days.reduce((sum, d) => sum + d.blocked, 0);
  const signIns = days.reduce((sum, d) => sum + d.low + d.medium + d.high, 0) - blocked;
  legend.appendChild(el('span', `${signIns} sign-ins, ${blocked} blocked attempts in ${days.length} days`));
  container.replaceChildren(chart, legend);
}

// ------------------------------------------------------------------ user

function badge(text: string, tone: 'bad' | 'good' | '' = ''): HTMLElement {
  return el('span', text, `badge ${tone}`.trim());
}

const OUTCOMES: Record<TimelineEntry['outcome'], string> = {
  'signed-in': 'signed in',
  blocked: 'refused (risk)',
  'step-up': 'step-up asked',
  'not-completed': 'not completed',
};

function place(entry: TimelineEntry): string {
  const parts = [entry.country];
  if (entry.latitude !== undefined && entry.longitude !== undefined) {
    parts.push(`${entry.latitude.toFixed(2)}, ${entry.longitude.toFixed(2)}`);
  }
  return parts.filter(Boolean).join(' ') || '—';
}

function timelineRow(entry: TimelineEntry): HTMLTableRowElement {
  const row = el('tr');
  const reasons = el('ul', undefined, 'reasons');
  for (const reason of entry.reasons) {
    const sign = reason.points >= 0 ? '+' : '';
    reasons.appendChild(
      el('li', `${reason.signal} ${sign}${reason.points}${reason.detail ? ` (${reason.detail})` : ''}`),
    );
  }
  const device = el('td', entry.device ?? '—');
  if (entry.userAgent) device.title = entry.userAgent;
  const feedback = el('td');
  if (entry.eventId) {
    const eventId = entry.eventId;
    for (const verdict of ['valid', 'invalid'] as const) {
      const button = el('button', verdict === 'valid' ? 'Valid' : 'Invalid');
      button.type = 'button';
      button.dataset.verdict = verdict;
      button.addEventListener('click', () =>
        confirmThen(
          `Mark this ${OUTCOMES[entry.outcome]} of ${time(entry.at)} ${verdict}? ${verdict === 'valid' ? 'Its device and network become trusted' : 'Its device and network become distrusted'} for this user.`,
          { path: 'feedback', body: { verdict, eventId } },
        ),
      );
      feedback.appendChild(button);
    }
  }
  row.append(
    el('td', time(entry.at)),
    el('td', OUTCOMES[entry.outcome]),
    el('td', place(entry)),
    device,
    el(
      'td',
      [entry.ip, entry.network && entry.network !== entry.ip ? `(${entry.network})` : '']
        .filter(Boolean)
        .join(' ') || '—',
    ),
    el('td', entry.level ?? '—', entry.level ? `level-${entry.level}` : undefined),
    el('td', entry.score === undefined ? '—' : String(entry.score)),
    el('td'),
    feedback,
  );
  row.cells[7]?.appendChild(entry.reasons.length ? reasons : document.createTextNode('—'));
  return row;
}

function lockoutText(view: UserView): string {
  const { lockedUntil, attemptsInWindow, maxAttempts, sides } = view.lockout;
  if (lockedUntil !== undefined) {
    const which =
      sides.familiar.lockedUntil !== undefined && sides.unfamiliar.lockedUntil !== undefined
        ? 'from every device and network'
        : sides.unfamiliar.lockedUntil !== undefined
          ? 'from unfamiliar devices and networks'
          : 'from familiar devices and networks';
    return `Locked ${which} until ${time(lockedUntil)}: more than ${maxAttempts} sign-in attempts without a success (${attemptsInWindow} in this window).`;
  }
  return `Not locked. ${attemptsInWindow} of ${maxAttempts} attempts used in this window.`;
}

function render(view: UserView): void {
  current = view;
  const locked = view.lockout.lockedUntil !== undefined;
  byId('user').hidden = false;
  byId('user-title').textContent = view.user.email ?? view.user.username;
  byId('user-ids').textContent =
    `sub ${view.user.sub} · ${view.user.status ?? 'unknown status'} · groups: ${view.user.groups.join(', ') || 'none'} · last sign-in ${time(view.lastSignInAt)}`;
  byId('user-badges').replaceChildren(
    locked ? badge('Locked', 'bad') : badge('Not locked', 'good'),
    view.suspended ? badge('Suspended', 'bad') : badge('Active', 'good'),
    ...(view.compromisedCredentials ? [badge('Compromised password', 'bad')] : []),
    ...(view.user.enabled ? [] : [badge('Disabled in Cognito', 'bad')]),
  );
  byId('lockout-text').textContent = lockoutText(view);
  byId<HTMLButtonElement>('action-unlock').disabled = !locked && view.lockout.attemptsInWindow === 0;
  byId('suspension-text').textContent = view.suspended
    ? `Suspended${view.suspendedBy ? ` by ${view.suspendedBy}` : ''} ${time(view.suspendedAt)}.`
    : 'Active: may sign in.';
  byId<HTMLButtonElement>('action-suspend').disabled = view.suspended;
  byId<HTMLButtonElement>('action-reinstate').disabled = !view.suspended;
  byId('credentials-text').textContent = view.compromisedCredentials
    ? 'Flagged as compromised: every sign-in scores the compromised-credentials signal until the password changes.'
    : 'Not flagged.';
  byId('sessions-text').textContent =
    'Refresh tokens revoked in Cognito, and API tokens issued before now refused.';
  drawChart(byId('user-chart'), view.chart);
  byId('timeline')
    .querySelector('tbody')
    ?.replaceChildren(
      ...(view.timeline.length ? view.timeline.map(timelineRow) : [emptyRow(9, 'No sign-in recorded.')]),
    );
  byId('devices')
    .querySelector('tbody')
    ?.replaceChildren(
      ...(view.devices.length
        ? view.devices.map((device) => {
            const row = el('tr');
            row.append(
              el('td', device.deviceKey),
              el('td', time(device.firstSeen)),
              el('td', time(device.lastSeen)),
              el('td', device.userAgent ?? '—'),
            );
            return row;
          })
        : [emptyRow(4, 'No device recorded.')]),
    );
  byId('audit')
    .querySelector('tbody')
    ?.replaceChildren(
      ...(view.audit.length
        ? view.audit.map((record) => {
            const row = el('tr');
            row.append(
              el('td', time(record.at)),
              el('td', record.action),
              el('td', record.operatorName),
              el('td', record.status),
            );
            return row;
          })
        : [emptyRow(4, 'No operator action yet.')]),
    );
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  const row = el('tr');
  const cell = el('td', text, 'hint');
  cell.colSpan = columns;
  row.appendChild(cell);
  return row;
}

async function openUser(sub: string): Promise<void> {
  say('Loading…');
  render(await api<UserView>(`users/${encodeURIComponent(sub)}`));
  say('');
}

// ------------------------------------------------------------------ actions

interface PendingAction {
  path: string;
  body?: unknown;
}

/** Every action asks first, in the page's own dialog; the server records who did what. */
function confirmThen(question: string, action: PendingAction): void {
  const dialog = byId<HTMLDialogElement>('confirm');
  byId('confirm-text').textContent = question;
  dialog.returnValue = '';
  dialog.onclose = () => {
    if (dialog.returnValue !== 'ok' || !current) return;
    const sub = current.user.sub;
    say('Working…');
    api<UserView>(`users/${encodeURIComponent(sub)}/${action.path}`, 'POST', action.body ?? {})
      .then((view) => {
        render(view);
        say('Done: recorded in the operator actions below.');
      })
      .catch(showError);
  };
  dialog.showModal();
}

const ACTION_QUESTIONS: Record<string, (name: string) => string> = {
  unlock: (name) => `Unlock ${name}? The lock and the counted attempts are cleared.`,
  suspend: (name) => `Suspend ${name}? Every sign-in is refused until reinstated.`,
  reinstate: (name) => `Reinstate ${name}? Sign-ins are allowed again.`,
  'sign-out': (name) => `Sign ${name} out everywhere? Every session ends; the user signs in again.`,
};

function showError(error: unknown): void {
  say(error instanceof Error ? error.message : 'Something went wrong.', true);
}

// ------------------------------------------------------------------ start

async function search(text: string): Promise<void> {
  say('Searching…');
  const { users } = await api<{ users: PoolUser[] }>(`users?q=${encodeURIComponent(text)}`);
  const list = byId('results');
  list.replaceChildren(
    ...users.map((user) => {
      const item = el('li');
      const open = el('button', 'Open');
      open.type = 'button';
      open.addEventListener('click', () => openUser(user.sub).catch(showError));
      item.append(el('b', user.email ?? user.username), el('span', user.sub, 'hint'), open);
      return item;
    }),
  );
  say(users.length ? `${users.length} found.` : 'No user found.');
  if (users.length === 1 && users[0]) await openUser(users[0].sub);
}

async function start(): Promise<void> {
  const answer = await fetch('/console/config.json', { credentials: 'omit', cache: 'no-store' });
  config = (await answer.json()) as PageConfig;
  byId('admin-group').textContent = config.adminGroup;
  byId('sign-in').hidden = false;

  byId<HTMLFormElement>('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const username = byId<HTMLInputElement>('sign-in-username').value.trim();
    const password = byId<HTMLInputElement>('sign-in-password');
    say('Signing in…');
    signIn(username, password.value)
      .then(async () => {
        password.value = '';
        drawChart(byId('pool-chart'), (await api<{ days: DailyLevels[] }>('pool/chart')).days);
        byId('sign-in').hidden = true;
        byId('operator').hidden = false;
        byId('workspace').hidden = false;
        say('Signed in.');
      })
      .catch((error: unknown) => {
        token = undefined;
        showError(error);
      });
  });
  byId('sign-out-operator').addEventListener('click', () => signOutOperator('Signed out.'));
  byId<HTMLFormElement>('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    search(byId<HTMLInputElement>('search-text').value.trim()).catch(showError);
  });
  for (const [action, question] of Object.entries(ACTION_QUESTIONS)) {
    byId(`action-${action}`).addEventListener('click', () => {
      if (current) confirmThen(question(current.user.email ?? current.user.username), { path: action });
    });
  }
}

start().catch(showError);
