// Flows that wait for a backend piece not in main yet, like Playwright's
// test.fixme: written in full, skipped with the reason, so they run the day
// the piece lands (delete its line here). XIAOER_E2E_FIXME=run runs them
// anyway, to see how far they get.
export const waiting = {
  handoff: "issue 6: the bot does not hand off on 转人工/human yet, nor route to an online agent, nor take the buyer's rating",
  liveAnswers: "issue 6: the bot has no live answers from the buyer's orders (logistics) yet",
};

// fixme returns node:test options that skip a flow waiting for piece.
export function fixme(piece) {
  const why = waiting[piece];
  if (!why || process.env.XIAOER_E2E_FIXME === "run") return {};
  return { skip: "fixme: " + why };
}
