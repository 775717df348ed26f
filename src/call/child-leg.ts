import type { Call } from './call.js';
import type { CallStatus, ChildLeg } from './control.js';

/** The ChildLeg view `dial` gets of a child call it placed. */
export function childLeg(child: Call): ChildLeg {
  const outcome = new Promise<{ answered: boolean; status: CallStatus; sipStatus: number }>((resolve) => {
    const check = (): boolean => {
      if (child.answered) resolve({ answered: true, status: 'in-progress', sipStatus: 200 });
      else if (child.isFinal) resolve({ answered: false, status: child.status, sipStatus: child.sipStatus });
      else return false;
      return true;
    };
    if (!check()) {
      const off = child.on('status', () => {
        if (check()) off();
      });
    }
  });
  return {
    sid: child.sid,
    info: () => child.info(),
    outcome,
    endedSignal: child.endedSignal,
    hangup: () => child.hangupWith('dial ended'),
    startAmd: (amd, onEvent) => child.startAmd(amd, onEvent),
    onDtmf: (listener) => child.onDtmf(listener),
    control: child,
  };
}
