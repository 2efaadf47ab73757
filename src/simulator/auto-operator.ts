/**
 * @module The auto-operator, for the unattended demo and the benchmarks: when switched on
 * (`deps.autoOperator`, `--auto-operator`, or `POST /__sim/config`), it accepts each waiting ticket
 * after `acceptAfterMs` and answers each visitor message after `replyAfterMs`, typing meanwhile.
 * It reads the configuration when something happens, so switching it on or off takes effect at once.
 */
import type {SimContext} from './sim-context.js';

/** The auto-operator's answer to a visitor message. */
export const autoReply = (text: string): string => `Thanks, I'm looking into: ${text}`;

/** Wires the auto-operator to the simulator's actions. */
export function attachAutoOperator(sim: SimContext): void {
  sim.actions.ticketListeners.add((ticket) => {
    const auto = sim.config.autoOperator;
    if (!auto) return;
    sim.scheduler.schedule(() => {
      if (sim.config.autoOperator && sim.store.tickets.get(ticket.id)?.state === 'queued')
        sim.actions.accept(ticket.id, auto.operatorName);
    }, auto.acceptAfterMs);
  });

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
