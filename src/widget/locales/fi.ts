/** @module Finnish (fi) strings; loaded only by pages that ask for this locale. */
import type {Strings} from '../strings.js';

const table: Partial<Strings> = {
  launcher: 'Keskustele tuen kanssa',
  unread: (n) => `${n} lukematon${n === 1 ? '' : 'ta'} viesti${n === 1 ? '' : 'ä'}`,
  title: 'Tukichat',
  close: 'Sulje chat',
  describeLabel: 'Miten voimme auttaa?',
  describeHint: 'Muutama sana riittää. Asiantuntija näkee tämän ennen vastaamista.',
  nameLabel: 'Nimesi',
  emailLabel: 'Sähköpostisi',
  contextNote: (n) => `Asiantuntija näkee myös keskustelusi avustajan kanssa (${n} viestiä).`,
  startChat: 'Aloita chat',
  starting: 'Yhdistetään…',
  waitingTitle: 'Odotetaan asiantuntijaa',
  waitingBody: 'Olet jonossa. Pidä sivu auki; asiantuntija liittyy tähän.',
  waited: (t) => `Odotettu ${t}`,
  usualWait: (m) =>
    m === 1
      ? 'Vastaus tulee yleensä noin minuutissa'
      : `Vastaus tulee yleensä noin ${m} minuutissa`,
  yourQuestion: 'Kysymyksesi',
  cancel: 'Peruuta',
  queued: 'Olet jonossa.',
  connected: (name) => `Keskustelet: ${name}`,
  joined: (name) => `${name} liittyi chattiin`,
  transferred: (name) => `Sinut siirrettiin: ${name}`,
  typing: (name) => `${name} kirjoittaa…`,
  agent: 'Asiantuntija',
  you: 'Sinä',
  system: 'Ilmoitus',
  transcript: 'Keskustelu',
  messageLabel: 'Kirjoita viesti',
  send: 'Lähetä',
  sending: 'Lähetetään…',
  sent: 'Lähetetty',
  failed: 'Ei lähetetty',
  retry: 'Yritä uudelleen',
  endChat: 'Lopeta chat',
  endConfirm: 'Lopetetaanko keskustelu?',
  endYes: 'Lopeta',
  endNo: 'Jatka',
  endedBy: {
    visitor: 'Lopetit keskustelun.',
    operator: 'Asiantuntija lopetti keskustelun.',
    system: 'Keskustelu on päättynyt.',
  },
  cancelled: 'Peruit pyynnön ennen kuin asiantuntija liittyi.',
  unanswered: 'Pyyntö suljettiin ennen kuin asiantuntija ehti liittyä.',
  endedNext: 'Voit aloittaa uuden chatin aina, kun tarvitset apua.',
  startAgain: 'Aloita uusi chat',
  download: 'Lataa keskustelu',
  offline: 'Olet offline-tilassa. Viestit lähetetään, kun yhteys palaa.',
  reconnecting: 'Yhdistetään uudelleen…',
  serviceDown:
    'Tukipalvelu ei vastaa. Yhdistetään uudelleen… Viestisi lähetetään, kun palvelu toimii taas.',
  errorTitle: 'Chat keskeytyi odottamatta',
  failedTitle: 'Yhdistäminen ei onnistunut',
  failedBody:
    'Yksikään asiantuntija ei voinut ottaa chattia juuri nyt. Yritä uudelleen muutaman minuutin kuluttua.',
  lostTitle: 'Tämä chat ei ole enää käytettävissä',
  lostBody:
    'Tukipalvelu kadotti tämän keskustelun. Aloita uusi chat; lähettämättömät tekstisi säilyvät siinä.',
  networkProblem: 'Tukipalveluun ei saada yhteyttä. Tarkista yhteys ja yritä uudelleen.',
  genericProblem: 'Tukipalvelussa oli ongelma.',
  rateLimited: (s) => `Voit yrittää uudelleen ${s} s kuluttua.`,
  tryAgain: 'Yritä uudelleen',
  editQuestion: 'Muokkaa kysymystä',
  dismiss: 'Sulje',
};

export default table;
