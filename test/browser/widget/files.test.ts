import {expect} from '@open-wc/testing';
import {sendKeys} from '@web/test-runner-commands';
import {PENDING_FILE_BYTES} from '../../../src/widget/store/session-state.js';
import {fakeProxy, useFakeProxy} from '../support/fake-proxy-setup.js';
import {GliaHandoffHarness} from '../support/glia-handoff-harness.js';
import {POLICY} from '../support/proxy-handlers.js';

const {operator} = fakeProxy;

/** A widget in a chat with Sam, who allows POLICY's files. */
async function engaged(policy = POLICY): Promise<GliaHandoffHarness> {
  const chat = await GliaHandoffHarness.mount();
  await chat.start('My screen flickers');
  operator.accept('Sam', policy);
  await chat.waitFor(() => chat.has('.composer .attach'), 'the attach button');
  return chat;
}

/** A question from Sam with three options. */
function askForOs() {
  return operator.say('Which system do you use?', {
    choice: {
      options: [
        {text: 'Windows', value: 'win'},
        {text: 'macOS', value: 'mac'},
        {text: 'Linux', value: 'linux'},
      ],
    },
  });
}

const choiceButtons = (chat: GliaHandoffHarness) => [
  ...chat.root.querySelectorAll<HTMLButtonElement>('.msg.agent [role="group"] button'),
];

const png = (name = 'screen.png', bytes = 2048) =>
  new File([new Uint8Array(bytes)], name, {type: 'image/png'});

/** Let the upload PUTs wait until `release()` (an upload still on its way). */
function holdUploads(): () => void {
  let release!: () => void;
  fakeProxy.uploadGate = new Promise((resolve) => (release = resolve));
  return release;
}

describe('<glia-handoff> files and choices', () => {
  useFakeProxy();

  describe("an agent's question", () => {
    it('shows the options as a named group of buttons; a click answers once and freezes them', async () => {
      const chat = await engaged();
      const question = askForOs();
      await chat.waitFor(() => choiceButtons(chat).length === 3, 'the options');
      const group = chat.find('.msg.agent [role="group"]');
      expect(group.getAttribute('aria-label')).to.equal('Choose an answer');
      await expect(chat.element).to.be.accessible();

      const [, mac] = choiceButtons(chat);
      await chat.click(mac!);
      mac!.click(); // a second, impatient click changes nothing
      await chat.waitFor(
        () => chat.transcript().at(-1)?.delivery === 'sent',
        'the answer to be confirmed'
      );

      expect(fakeProxy.visitorMessages().map(({text, answer}) => ({text, answer}))).to.deep.equal([
        {text: 'macOS', answer: {messageId: question.id, value: 'mac'}},
      ]);
      expect(chat.transcript().at(-1)).to.include({from: 'visitor', text: 'macOS'});
      const buttons = choiceButtons(chat);
      expect(buttons.map((b) => b.disabled)).to.deep.equal([true, true, true]);
      expect(buttons.map((b) => b.getAttribute('aria-pressed'))).to.deep.equal([
        'false',
        'true',
        'false',
      ]);
    });

    it('freezes as soon as the answer is queued, even while it cannot be sent', async () => {
      const chat = await engaged();
      askForOs();
      await chat.waitFor(() => choiceButtons(chat).length === 3, 'the options');
      await chat.goOffline();
      await chat.click(choiceButtons(chat)[0]!);
      await chat.waitFor(() => choiceButtons(chat)[0]!.disabled, 'the options to freeze');
      expect(chat.transcript().at(-1)).to.include({text: 'Windows', delivery: 'sending'});
      chat.goOnline();
      await chat.waitFor(() => fakeProxy.visitorMessages().length === 1, 'the answer to go');
      expect(fakeProxy.visitorMessages()[0]!.answer?.value).to.equal('win');
    });

    it('can be answered from the keyboard', async () => {
      const chat = await engaged();
      askForOs();
      await chat.waitFor(() => choiceButtons(chat).length === 3, 'the options');
      choiceButtons(chat)[0]!.focus();
      await sendKeys({press: 'Tab'});
      expect(chat.focused).to.equal(choiceButtons(chat)[1]);
      await sendKeys({press: 'Enter'});
      await chat.waitFor(() => fakeProxy.visitorMessages().length === 1, 'the answer');
      expect(fakeProxy.visitorMessages()[0]!.answer?.value).to.equal('mac');
    });
  });

  describe("an agent's files", () => {
    it('shows an image as a thumbnail fetched with the session token, opening full size', async () => {
      const chat = await engaged();
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 4;
      const image = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!)));
      fakeProxy.agentFiles.set('f-1', image);
      operator.say('Like this?', {
        files: [{id: 'f-1', name: 'settings.png', contentType: 'image/png', size: image.size}],
      });
      await chat.waitFor(() => chat.has('.msg.agent .thumb img'), 'the thumbnail');
      const img = chat.find<HTMLImageElement>('.msg.agent .thumb img');
      await chat.waitFor(() => img.complete && img.naturalWidth === 4, 'the image to load');
      expect(img.alt).to.equal('settings.png');
      expect(img.src).to.match(/^blob:/);
      const link = chat.find<HTMLAnchorElement>('.msg.agent a.thumb');
      expect(link.href).to.equal(img.src);
      expect(link.getAttribute('aria-label')).to.equal('Open settings.png full size');
      expect(fakeProxy.fileRequests).to.deep.equal([
        {id: 'f-1', authorization: `Bearer ${fakeProxy.latest().token}`},
      ]);
      await expect(chat.element).to.be.accessible();
    });

    it('shows another file as its name and size, and a removed one as removed', async () => {
      const chat = await engaged();
      operator.say('', {
        files: [
          {id: 'f-2', name: 'guide.pdf', contentType: 'application/pdf', size: 2_400_000},
          {id: 'f-3', name: 'old.pdf', contentType: 'application/pdf', deleted: true},
        ],
      });
      await chat.waitFor(() => chat.has('.msg.agent .file-link'), 'the file');
      expect(chat.text('.msg.agent .file-link')).to.equal('guide.pdf 2.3 MB');
      expect(chat.text('.msg.agent .removed')).to.equal('old.pdf · File removed');
      // Nothing is fetched until the person asks for it.
      expect(fakeProxy.fileRequests).to.deep.equal([]);
    });
  });

  describe("the visitor's files", () => {
    it('offers no attach button while file sending is off', async () => {
      const chat = await GliaHandoffHarness.mount();
      await chat.start('My screen flickers');
      operator.accept('Sam');
      await chat.waitFor(() => chat.status() === 'engaged', 'the agent');
      expect(chat.has('.composer .attach')).to.equal(false);
    });

    it('takes a screenshot pasted into the composer and a file dropped on the panel', async () => {
      const chat = await engaged();
      const pasted = new DataTransfer();
      pasted.items.add(png('image.png'));
      chat.composer.dispatchEvent(
        new ClipboardEvent('paste', {clipboardData: pasted, bubbles: true, composed: true})
      );
      await chat.waitFor(() => chat.ownFiles().length === 1, 'the pasted file');
      const dropped = new DataTransfer();
      dropped.items.add(new File(['notes'], 'notes.txt', {type: 'text/plain'}));
      const drop = new DragEvent('drop', {dataTransfer: dropped, bubbles: true, cancelable: true});
      chat.find('.panel').dispatchEvent(drop);
      expect(drop.defaultPrevented).to.equal(true);
      await chat.waitFor(() => chat.ownFiles().length === 2, 'the dropped file');
      expect(chat.ownFiles().map((f) => f.split(' ')[0])).to.deep.equal(['image.png', 'notes.txt']);
    });

    it('refuses a file of the wrong type or size, saying which and why, and sends nothing', async () => {
      const chat = await engaged({...POLICY, maxBytes: 1000});
      await chat.attach(
        new File(['MZ'], 'setup.exe', {type: 'application/x-msdownload'}),
        png('big.png', 5000)
      );
      await chat.waitFor(() => chat.alertText() !== '', 'the refusal');
      expect(chat.alertText()).to.equal(
        'setup.exe was not attached: files of this type cannot be sent here. ' +
          'big.png was not attached: it is larger than 1 kB.'
      );
      expect(chat.ownFiles()).to.deep.equal([]);
      expect(fakeProxy.uploadRequests).to.deep.equal([]);
      expect(fakeProxy.visitorMessages()).to.deep.equal([]);
    });

    it('shows progress, then checking, and sends one message with the text once the scan is done', async () => {
      const chat = await engaged();
      chat.composer.value = 'Here is the screen';
      chat.composer.dispatchEvent(new InputEvent('input', {bubbles: true, composed: true}));
      const release = holdUploads();
      await chat.attach(png());
      await chat.waitFor(() => chat.has('.msg.visitor .file progress'), 'the progress bar');
      expect(chat.ownFiles()).to.deep.equal(['screen.png 2 kB Uploading… Cancel']);
      expect(chat.composer.value).to.equal('');

      release();
      await chat.waitFor(() => chat.ownFiles()[0]?.includes('checking') ?? false, 'the scan');
      expect(chat.ownFiles()).to.deep.equal(['screen.png 2 kB Uploaded, checking… Cancel']);
      expect(chat.fileNews()).to.equal('screen.png: Uploaded, checking…');
      const [upload] = fakeProxy.uploadRequests;
      expect(upload).to.deep.include({
        name: 'screen.png',
        contentType: 'image/png',
        size: 2048,
        authorization: `Bearer ${fakeProxy.latest().token}`,
      });
      expect(fakeProxy.visitorMessages()).to.deep.equal([]);

      operator.scan(upload!.id, 'ready');
      await chat.waitFor(() => fakeProxy.visitorMessages().length === 1, 'the message');
      await chat.waitFor(() => chat.transcript().at(-1)?.delivery === 'sent', 'the confirmation');
      const [message] = fakeProxy.visitorMessages();
      expect(message!.text).to.equal('Here is the screen');
      expect(message!.files?.map((f) => f.id)).to.deep.equal([upload!.id]);
      expect(chat.ownFiles()).to.deep.equal(['screen.png']);
      expect(fakeProxy.uploadRequests).to.have.length(1);
    });

    it('says so when the scan finds a virus, and lets the person remove the file', async () => {
      const chat = await engaged();
      await chat.attach(png());
      await chat.waitFor(() => fakeProxy.latest().uploads.size === 1, 'the upload');
      operator.scan(fakeProxy.uploadRequests[0]!.id, 'infected');
      await chat.waitFor(() => chat.ownFiles()[0]?.includes('virus') ?? false, 'the verdict');
      expect(chat.fileNews()).to.equal('screen.png: A virus was found in it; it cannot be sent.');
      // The message waits for nothing: it says it is not sent, not "Sending…".
      expect(chat.root.querySelector('.msg.visitor:last-child .meta')?.textContent).to.match(
        /· Not sent/
      );
      await chat.click(chat.button('Remove screen.png'));
      await chat.waitFor(() => chat.ownFiles().length === 0, 'the file to go');
      expect(fakeProxy.visitorMessages()).to.deep.equal([]);
    });

    it('cancels an upload on its way: the request is aborted and nothing is sent', async () => {
      const chat = await engaged();
      const release = holdUploads();
      const aborted: XMLHttpRequest[] = [];
      const abort = XMLHttpRequest.prototype.abort;
      XMLHttpRequest.prototype.abort = function (this: XMLHttpRequest) {
        aborted.push(this);
        abort.call(this);
      };
      try {
        await chat.attach(png());
        await chat.waitFor(() => chat.has('.msg.visitor .file progress'), 'the upload');
        await chat.click(chat.button('Cancel screen.png'));
        await chat.waitFor(() => aborted.length === 1, 'the upload to be aborted');
        await chat.waitFor(() => chat.ownFiles().length === 0, 'the file to go');
      } finally {
        XMLHttpRequest.prototype.abort = abort;
        release();
      }
      expect(fakeProxy.visitorMessages()).to.deep.equal([]);
    });

    it('retries a failed upload with the same id and sends one message', async () => {
      const chat = await engaged();
      fakeProxy.failUploads = 1;
      await chat.attach(png());
      await chat.waitFor(() => chat.ownFiles()[0]?.includes('Upload failed') ?? false, 'a failure');
      expect(chat.fileNews()).to.equal('screen.png: Upload failed');
      await chat.click(chat.button('Retry screen.png'));
      await chat.waitFor(() => fakeProxy.latest().uploads.size === 1, 'the upload');
      const [first, second] = fakeProxy.uploadRequests;
      expect(second!.id).to.equal(first!.id);
      operator.scan(first!.id, 'ready');
      await chat.waitFor(() => fakeProxy.visitorMessages().length === 1, 'the message');
      expect(fakeProxy.visitorMessages()[0]!.files).to.have.length(1);
      expect(fakeProxy.uploadRequests).to.have.length(2);
    });

    it('keeps a file while offline, through a reload, and sends it when back online', async () => {
      const chat = await engaged();
      await chat.goOffline();
      await chat.attach(png('offline.png'));
      await chat.waitFor(() => chat.ownFiles().length === 1, 'the file');
      expect(chat.ownFiles()).to.deep.equal(['offline.png 2 kB Waiting to upload Cancel']);
      await chat.reload();
      await chat.open();
      await chat.waitFor(() => chat.ownFiles().length === 1, 'the file after the reload');
      chat.goOnline();
      await chat.waitFor(() => fakeProxy.latest().uploads.size === 1, 'the upload');
      expect(fakeProxy.uploadRequests.at(-1)).to.deep.include({name: 'offline.png', size: 2048});
      operator.scan(fakeProxy.uploadRequests[0]!.id, 'ready');
      await chat.waitFor(() => fakeProxy.visitorMessages().length === 1, 'the message');
      expect(fakeProxy.visitorMessages()[0]!.files?.[0]?.name).to.equal('offline.png');
    });

    it('refuses a file that would overfill the room kept for waiting files, and says so', async function () {
      this.timeout(30000);
      const chat = await engaged();
      await chat.goOffline();
      const half = PENDING_FILE_BYTES / 2 - 1000;
      await chat.attach(png('one.png', half), png('two.png', half));
      await chat.waitFor(() => chat.ownFiles().length === 2, 'the two files', 20000);
      await chat.attach(png('three.png', 5000));
      await chat.waitFor(() => chat.alertText() !== '', 'the refusal');
      expect(chat.alertText()).to.equal(
        'three.png was not attached: files waiting to be sent may take 50 MB in all. ' +
          'Wait for them to go, or remove some.'
      );
      expect(chat.ownFiles().map((f) => f.split(' ')[0])).to.deep.equal(['one.png', 'two.png']);
    });
  });
});
