/** What a report cell says (src/report/cell.ts), which report.md, report.html and the run summary all render. */
import { expect } from 'chai';
import { countsText, formatWorst, summarizeCell } from '../src/report/cell.js';
import type { ReportBackend, ReportCell, ReportGradientCell } from '../src/report/model.js';

const up: ReportBackend = { name: 'tfjs-cpu', available: true, required: false };
const down: ReportBackend = { name: 'tfjs-gone', available: false, reason: 'no lib', required: false };

function cell(counts: Partial<ReportCell>): ReportCell {
  return { keras: '3.6.0', op: 'relu', backend: 'tfjs-cpu', passed: 0, failed: 0, excluded: 0, unsupported: 0, worst: null, ...counts };
}

const worst = (maxAbs: number, maxUlp: number) => ({ maxAbs, maxRel: 0, maxUlp, caseId: 'relu/x' });

describe('report cell', () => {
  it('words the worst error: exact, below float32 atol, else ULPs', () => {
    expect(formatWorst(worst(0, 0))).to.equal('exact');
    expect(formatWorst(worst(5e-7, 9e6))).to.equal('<1e-6');
    expect(formatWorst(worst(1e-3, 70))).to.equal('70 ulp');
    expect(formatWorst(worst(1, 2e7))).to.equal('2.00e+7 ulp');
  });

  it('says why nothing ran: the backend is unavailable, or the op did not run on it', () => {
    expect(summarizeCell(undefined, down)).to.deep.equal({ state: 'unavailable', reason: 'no lib' });
    expect(summarizeCell(undefined, up)).to.deep.equal({ state: 'notrun' });
    expect(summarizeCell(undefined, undefined)).to.deep.equal({ state: 'notrun' });
  });

  it('decides the state from the counts: a failure first, then all unsupported, then whether a float output was measured', () => {
    expect(summarizeCell(cell({ passed: 2, failed: 1, unsupported: 4 }), up).state).to.equal('failed');
    expect(summarizeCell(cell({ unsupported: 4, excluded: 1 }), up).state).to.equal('unsupported');
    expect(summarizeCell(cell({ passed: 3 }), up).state).to.equal('unmeasured');
    expect(summarizeCell(cell({ passed: 3, unsupported: 1, worst: worst(0, 0) }), up)).to.deep.include({
      state: 'passed',
      ran: 4,
      worst: 'exact',
    });
  });

  it('says why a gradient cell ran nothing, unless a case of it failed (a merged cell)', () => {
    const noRule = cell({ unsupported: 4, note: 'no-rule' } as Partial<ReportGradientCell>);
    expect(summarizeCell(noRule, up)).to.deep.equal({ state: 'noted', note: 'no-rule', cell: noRule });
    expect(summarizeCell(cell({ note: 'not-applicable' } as Partial<ReportGradientCell>), up).state).to.equal('noted');
    expect(summarizeCell(cell({ failed: 1, note: 'no-rule' } as Partial<ReportGradientCell>), up).state).to.equal('failed');
  });

  it('counts the excluded apart from the cases that ran', () => {
    const s = summarizeCell(cell({ passed: 5, failed: 2, unsupported: 1, excluded: 3, worst: worst(1e-3, 70) }), up);
    expect(s).to.deep.include({ state: 'failed', ran: 8, worst: '70 ulp' });
    expect(countsText(cell({ passed: 5, failed: 2, unsupported: 1, excluded: 3 }))).to.equal(
      '5 passed, 2 failed, 3 excluded, 1 unsupported',
    );
  });
});
