/**
 * @module The auto-operator, for the unattended demo and the benchmarks: when switched on
 * (`deps.autoOperator`, `--auto-operator`, or `POST /__sim/config`), it accepts each waiting ticket
 * after `acceptAfterMs` and answers each visitor message after `replyAfterMs`, typing meanwhile.
 * It reads the configuration when something happens, so switching it on or off takes effect at once.
 */
import type {SimContext} from './sim-context.js';

/** The auto-operator's answer to a visitor message. */
export const autoReply = (text: string): string =>
  text.trim() === '' ? 'Thanks, I got your file.' : `Thanks, I'm looking into: ${text}`;

/** Wires the auto-operator to the simulator's actions. */
export function attachAutoOperator(sim: SimContext): void {
  sim.actions.ticketListeners.add((ticket) => scheduleAccept(sim, ticket.id));

  sim.actions.visitorMessageListeners.add((engagement, message) => {
    const auto = sim.config.autoOperator;
    if (!auto) return;
    sim.actions.operatorTyping(engagement.id, true);
    sim.scheduler.schedule(() => {
      if (engagement.state === 'active')
        sim.actions.operatorMessage(engagement.id, autoReply(message.content));
    }, auto.replyAfterMs);
  });
}

/** Called when the auto-operator is switched on: the visitors already waiting are served too. */
export function autoOperatorSwitchedOn(sim: SimContext): void {
  for (const ticket of sim.store.tickets.values())
    if (ticket.state === 'queued' && ticket.queueIds.some((id) => sim.store.queues.get(id)?.open))
      scheduleAccept(sim, ticket.id);
}

function scheduleAccept(sim: SimContext, ticketId: string): void {
  const auto = sim.config.autoOperator;
  if (!auto) return;
  sim.scheduler.schedule(() => {
    const current = sim.config.autoOperator;
    if (current && sim.store.tickets.get(ticketId)?.state === 'queued')
      sim.actions.accept(ticketId, current.operatorName);
  }, auto.acceptAfterMs);
}
