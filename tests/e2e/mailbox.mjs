// The "mailbox" of a stack without SMTP: new users, the magic link /otp e-mailed (read from the user's row), and what
// clicking it does (GoTrue's /verify redirect), all against the real stack.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/** The stack's auth URL (the real one, whatever proxy the app is given). */
export const auth = `${process.env.LATCHKEY_SUPABASE_URL}/auth/v1`;

/** A new confirmed user (the stack autoconfirms sign-ups), so no other test's link can replace this one's. */
export async function newUser() {
  const email = `e2e-link-${process.pid}-${Date.now()}@example.com`;
  const reply = await fetch(`${auth}/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', apikey: process.env.LATCHKEY_SUPABASE_ANON_KEY },
    body: JSON.stringify({ email, password: `pw-${Date.now()}-Aa1!` }),
  });
  assert.equal(reply.status, 200, 'sign-up on the stack');
  return email;
}

/** The `pkce_…` token of the magic link /otp e-mailed: the stack has no SMTP, so the user's row is the mailbox. */
export function mailedToken(email) {
  return execFileSync('psql', [process.env.LATCHKEY_STACK_DATABASE_URL, '-Atq', '-v', `email=${email}`], {
    input: "select recovery_token from auth.users where email = :'email';\n",
    encoding: 'utf8',
  }).trim();
}

/** Clicking the e-mailed link: GoTrue's /verify answers 303 to the app's redirect_to with `code=…`. */
export async function followMagicLink(email, redirectTo) {
  const token = mailedToken(email);
  assert.match(token, /^pkce_/, 'the e-mailed link is a PKCE magic link');
  const url = `${auth}/verify?${new URLSearchParams({ token, type: 'magiclink', redirect_to: redirectTo })}`;
  const reply = await fetch(url, { redirect: 'manual' });
  assert.equal(reply.status, 303);
  return reply.headers.get('location');
}
