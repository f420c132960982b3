// One line of `npm run bench` output: {"figure": NAME, "value": N, "unit": U}.
export type Figure = {readonly figure: string; readonly value: number; readonly unit: string};
