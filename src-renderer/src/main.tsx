import { createRoot } from 'react-dom/client';
import { App, Unconnected } from './App.js';
import { connectClient } from './api/transport.js';
import { bindEvents } from './state/events.js';
import { createAppStore } from './state/store.js';
import { bindPeople } from './state/people.js';
import { bindExports } from './state/exports-store.js';
import { bindMaintenance } from './state/maintenance-store.js';
import { bindLabels } from './state/labels.js';
import { bindRotation } from './state/rotation.js';
import { StoreProvider } from './state/context.js';
import { createPresetsStore, PresetsProvider } from './state/presets-store.js';
import { MediaContext } from './components/media-context.js';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
const client = connectClient();
if ('error' in client) {
  root.render(<Unconnected message={client.error} />);
} else {
  const store = createAppStore(client);
  bindEvents(client, store);
  bindPeople(client);
  bindExports(client);
  bindMaintenance(client);
  bindLabels(client);
  bindRotation(client);
  void store.getState().loadStatus();
  root.render(
    <StoreProvider store={store}>
      <MediaContext.Provider value={client.mediaUrl}>
        <PresetsProvider store={createPresetsStore(client)}>
          <App />
        </PresetsProvider>
      </MediaContext.Provider>
    </StoreProvider>,
  );
}
