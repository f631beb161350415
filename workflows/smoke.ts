import {
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  setHandler,
} from '@temporalio/workflow';

/** A trivial workflow that proves the stack and serves as the baseline in benchmarks. */
export interface SmokeState {
  count: number;
  finished: boolean;
}

export const incrementSignal = defineSignal<[{ by: number }]>('increment');
export const finishSignal = defineSignal<[]>('finish');
export const addUpdate = defineUpdate<SmokeState, [{ amount: number }]>('add');
/** An update that adds, then completes the workflow in the same workflow task. */
export const addAndFinishUpdate = defineUpdate<SmokeState, [{ amount: number }]>('addAndFinish');
export const getStateQuery = defineQuery<SmokeState>('getState');

/** Counts until told to finish; `add` rejects amounts that are not positive whole numbers. */
export async function smokeWorkflow(input: { start: number }): Promise<SmokeState> {
  const state: SmokeState = { count: input.start, finished: false };

  setHandler(getStateQuery, () => state);
  setHandler(incrementSignal, ({ by }) => {
    state.count += by;
  });
  setHandler(finishSignal, () => {
    state.finished = true;
  });
  const validator = ({ amount }: { amount: number }) => {
    if (!Number.isInteger(amount) || amount <= 0) {
      throw new Error(`amount must be a positive whole number, got ${amount}`);
    }
  };
  setHandler(
    addUpdate,
    ({ amount }) => {
      state.count += amount;
      return state;
    },
    { validator },
  );
  setHandler(
    addAndFinishUpdate,
    ({ amount }) => {
      state.count += amount;
      state.finished = true;
      return state;
    },
    { validator },
  );

  await condition(() => state.finished);
  return state;
}
