// The app as page objects: the title bar, the navigation and one object per view. A view not covered yet
// gets its own file in this folder (its test ids are listed at the top of its component) and a field here.
import type { Page } from 'playwright-core';
import { DataViewPage } from './data-view';
import { DecompositionViewPage } from './decomposition-view';
import { HeaderBar } from './header';
import { NavBar } from './nav';
import { RunsViewPage } from './runs-view';
import { TrainingViewPage } from './training-view';

export class StudioPage {
  readonly header: HeaderBar;
  readonly nav: NavBar;
  readonly data: DataViewPage;
  readonly decomposition: DecompositionViewPage;
  readonly training: TrainingViewPage;
  readonly runs: RunsViewPage;

  constructor(readonly page: Page) {
    this.header = new HeaderBar(page);
    this.nav = new NavBar(page);
    this.data = new DataViewPage(page);
    this.decomposition = new DecompositionViewPage(page);
    this.training = new TrainingViewPage(page);
    this.runs = new RunsViewPage(page);
  }
}
