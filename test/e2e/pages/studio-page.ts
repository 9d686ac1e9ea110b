// The app as page objects: the title bar, the navigation and one object per view (each in its own file in
// this folder; the test ids they use are listed at the top of each view's component).
import type { Page } from 'playwright-core';
import { DataViewPage } from './data-view';
import { DecompositionViewPage } from './decomposition-view';
import { HeaderBar } from './header';
import { InspectViewPage } from './inspect-view';
import { NavBar } from './nav';
import { ResultsViewPage } from './results-view';
import { RunsViewPage } from './runs-view';
import { TrainingViewPage } from './training-view';

export class StudioPage {
  readonly header: HeaderBar;
  readonly nav: NavBar;
  readonly data: DataViewPage;
  readonly decomposition: DecompositionViewPage;
  readonly training: TrainingViewPage;
  readonly results: ResultsViewPage;
  readonly inspect: InspectViewPage;
  readonly runs: RunsViewPage;

  constructor(readonly page: Page) {
    this.header = new HeaderBar(page);
    this.nav = new NavBar(page);
    this.data = new DataViewPage(page);
    this.decomposition = new DecompositionViewPage(page);
    this.training = new TrainingViewPage(page);
    this.results = new ResultsViewPage(page);
    this.inspect = new InspectViewPage(page);
    this.runs = new RunsViewPage(page);
  }
}
