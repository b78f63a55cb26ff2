// No inline script anywhere (the Content-Security-Policy forbids it): behaviour is wired here, by delegation.

// The circuit is one WebSocket, opened without SignalR's negotiate request: the Gateway keeps no affinity, and a
// negotiate answered by one replica followed by a connect to another would fail. Any replica can open a circuit (the
// key ring and the token cache are shared); a WebSocket stays on the replica it reached.
Blazor.start({
  circuit: {
    configureSignalR: builder => builder.withUrl('_blazor', { skipNegotiation: true, transport: 1 /* WebSockets */ }),
  },
});

(() => {
  // Enter sends, Shift+Enter adds a line (and nothing happens while an IME is composing).
  document.addEventListener('keydown', event => {
    const target = event.target;
    if (target instanceof HTMLTextAreaElement && target.dataset.sendOnEnter !== undefined
        && event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      target.form?.requestSubmit();
    }
  });

  // Copy buttons on code blocks.
  document.addEventListener('click', async event => {
    const button = event.target instanceof Element ? event.target.closest('button.copy-code') : null;
    if (!button) {
      return;
    }

    const code = button.closest('.code-block')?.querySelector('pre code');
    if (!code) {
      return;
    }

    try {
      await navigator.clipboard.writeText(code.textContent ?? '');
      button.textContent = 'Copied';
    } catch {
      button.textContent = 'Copy failed';
    }

    setTimeout(() => { button.textContent = 'Copy'; }, 2000);
  });

  window.llmChat = {
    scrollToEnd: element => {
      if (element) {
        element.scrollTop = element.scrollHeight;
      }
    },
    focus: element => element?.focus(),
  };
})();
