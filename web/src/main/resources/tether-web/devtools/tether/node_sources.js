// Tether: chii's js_app registers no Sources navigator for a Node target, so its Sources panel
// lists no files. Register the "Node" navigator that Chrome's node_app has, before DevTools starts.
import * as i18n from '../core/i18n/i18n.js';
import * as UI from '../ui/legacy/legacy.js';

const strings = { node: 'Node', showNode: 'Show Node' };
const registered = i18n.i18n.registerUIStrings('tether/node_sources.ts', strings);
const lazy = i18n.i18n.getLazilyComputedLocalizedString.bind(undefined, registered);

UI.ViewManager.registerViewExtension({
  location: 'navigator-view',
  id: 'navigator-network',
  title: lazy(strings.node),
  commandPrompt: lazy(strings.showNode),
  order: 2,
  persistence: 'permanent',
  loadView: async () => (await import('../panels/sources/sources.js')).SourcesNavigator.NetworkNavigatorView.instance(),
});
