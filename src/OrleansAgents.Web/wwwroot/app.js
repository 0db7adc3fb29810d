// OrleansAgents web page: sign in with an API key, start runs, list them, follow one live.
// Plain ES modules, no framework and no build step; everything the page shows comes from the public API
// (docs/EVENTS.md). This module only starts the page; the parts are in js/:
//
//   api.js          requests with the tab's API key, errors as problem details
//   message.js      the page's error box
//   router.js       "/" (my runs), "/runs/{id}" (a run), sign-in without a key
//   signin.js       signing in and out, who is signed in
//   start-form.js   starting a run, the agents the cluster runs
//   run-list.js     my runs, polled, with a progress bar each
//   run-page.js     a run's header, approval panel and controls, a sleep's countdown
//   run-family.js   a run's parent link and its children as a tree, with live status
//   follower.js     the record, then the live stream, resumed after every drop (no DOM)
//   timeline.js     the fold of a run's events into its steps and their time (no DOM)
//   step-cards.js   the timeline as cards, one per step
//   timeline-svg.js the timeline as a picture, one bar per step on a time axis
//   dom.js, format.js  small helpers
import { session } from './js/api.js';
import { onUnauthorized } from './js/message.js';
import { defineView, route, startRouting } from './js/router.js';
import { closeRun, initRunPage, openRun } from './js/run-page.js';
import { initRunList, startListPolling, stopListPolling } from './js/run-list.js';
import { initSignIn, loadCaller, signOut } from './js/signin.js';
import { initStartForm, loadAgents } from './js/start-form.js';

defineView('runs', { enter: startListPolling, leave: stopListPolling });
defineView('run', { enter: openRun, leave: closeRun });

onUnauthorized(() => signOut({ keepMessage: true }));
initSignIn({ onSignedIn: loadAgents });
initStartForm();
initRunList();
initRunPage();
startRouting();

if (session.key) {
  loadCaller();
  loadAgents();
}
route();
