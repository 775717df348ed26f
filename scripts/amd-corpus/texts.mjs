// Texts of the AMD corpus (our own), in two disjoint pools: `A` for the part the detector is tuned
// on, `B` for the held-out parts, so held-out recordings also carry phrasings tuning never saw.
// Each list mixes styles: terse, casual, formal/business, questions, carrier announcements.

/** Short answers: one or two words. */
const HELLOS = {
  A: ['Hello?', 'Hi.', 'Yes?', 'Hello, yes?', 'Speaking.', 'Hey.', 'Good morning.', 'Yep?', 'Hiya.', 'Hello there.'],
  B: ['Hello.', 'Yeah?', 'Hi there.', 'Hello hello?', 'Hi, hello?', 'Evening.', 'Yes, hello.', 'Morning!', 'Uh, hello?', 'Who is it?'],
};

/** Answers of about 0.8–2 s. */
const ANSWERS = {
  A: [
    'Hello, Dana speaking.', 'Hello, this is Sam.', 'Yes, hello, who is this?', 'Good afternoon, Smith residence.',
    "Hi, who's calling please?", 'Hello, Pat here.', 'Hi, this is Chris, go ahead.', 'Morning, Lee speaking.',
    'Hello? Who is it?', 'Garcia residence.', 'Yeah, hi, what is it?', 'Hello, Robin here.',
  ],
  B: [
    'Hello? Can I help you?', 'Hello, yes, this is she.', 'Hi, Jordan here.', 'Hello, Garcia residence.', 'Yes, speaking.',
    'Hi, Alex speaking.', 'Good morning, who is this?', 'Yeah, go ahead.', 'Hello, this is Kim.', 'Reception, hello?',
    'Hey, what is up?', 'Yes, who is calling?',
  ],
};

/** One long sentence, about 2.1–2.5 s: still a human (issue 13 §2). */
const LONG_ANSWERS = {
  A: [
    'Hi, this is Dana speaking, who is calling?', 'Good afternoon, Smith residence, how can I help?',
    'Hello, this is Sam, what can I do for you?', 'Yes, this is Pat, sorry, who did you want?',
    'Hello, Riverside Dental, Maria speaking.', 'Hi, you are through to Chris, go ahead.',
  ],
  B: [
    'Hello, Tom speaking, how can I help?', 'Good morning, Acme Plumbing, how may I help you?',
    "Hi, it's Jordan, who am I talking to?", 'Hello? Yes, speaking. Who is this please?',
    'Front desk, this is Kelly, how can I help?', 'Yes hello, Morgan here, what is this about?',
  ],
};

/** Humans who talk for well over 2.5 s: the hard class (reported only). */
const HARD_LONG = {
  A: [
    "Hi, this is Dana, I'm just driving at the moment so I can't really talk for long, who is this?",
    'Hello, yes, this is Sam speaking, sorry it took me a while to get to the phone, what can I do for you today?',
    "Good afternoon, you've got Chris here, I was just about to head out the door, so what is this about?",
  ],
  B: [
    'Hello? Hello? Sorry, the line was quiet for a second there, who am I speaking with please?',
    "Yes hi, this is Pat, I think you called me earlier today and I missed it, what's this regarding?",
    "Hey, it's Morgan, I'm in a meeting right now, can you make it quick or should I call you back later?",
  ],
};

const MACHINE_OPENERS = {
  A: [
    'Hi, you have reached Alex.', "Hello, you've reached the voicemail of Jordan Lee.", 'Thank you for calling Acme Plumbing.',
    'The person you are calling is not available.', "Hi, it's Morgan.", 'You have reached five five five, one two three four.',
    'Welcome to the voicemail box of Taylor.',
  ],
  B: [
    "Hey, it's Casey, sorry I missed you.", 'Your call has been forwarded to an automatic voice message system.',
    'Hello, this is the Smith family.', "You've reached the office of Doctor Patel.", 'Hi there, this is Riley.',
    'The subscriber you have dialled cannot take your call.', 'Thanks for calling Northside Auto Repair.',
  ],
};

const MACHINE_SENTENCES = {
  A: [
    "I can't take your call right now.", 'Please leave a message after the tone.', "Leave your name and number and I'll call you back.",
    'Our office hours are Monday to Friday, nine to five.', 'If this is an emergency, please hang up and dial nine one one.',
    'I will get back to you as soon as possible.', 'Thanks for calling, and have a great day.',
    'For sales, press one. For support, press two.',
  ],
  B: [
    'We are either on the other line or away from the phone.', 'You can also reach me by email.', 'Please speak clearly after the beep.',
    'The mailbox is almost full, so keep it short.', 'We are closed for the holidays and will reopen next week.',
    'Record your message, and press pound when you are finished.', "I'm out of the office until Monday.",
    'Please state your name, number and the reason for your call.',
  ],
};

/** Greetings of about 1–1.5 s, followed by a beep (or, in the hard class, by nothing). */
const MACHINE_SHORT = {
  A: ['Please leave a message.', 'Leave a message.', "Hi, it's Sam, leave a message.", 'Not here, leave a message.', 'Speak after the tone.'],
  B: ["It's Dana, go ahead.", 'Leave it at the beep.', 'Message, please.', 'Sorry, leave a message.', 'Talk after the beep.'],
};

const SIT_ANNOUNCEMENTS = {
  A: [
    "We're sorry, the number you have dialed is not in service. Please check the number and dial again.",
    'All circuits are busy now. Please try your call again later.',
  ],
  B: [
    'The number you have reached has been disconnected or is no longer in service.',
    'Your call cannot be completed as dialed. Please check the number and try again.',
  ],
};

/** Background talk for babble noise (shared by every pool: it is noise, not a greeting). */
export const BABBLE_TEXTS = [
  'So then we went down to the market and bought some apples and a loaf of bread.', 'I told him it would never work but he did not listen to me at all.',
  'The weather has been strange this week, sunny in the morning and rainy at night.', 'Can you pass me the menu, I think I will have the soup today.',
  'They are building a new station near the river, it should open next spring.', 'My sister is visiting on Saturday with her two kids and the dog.',
  'Did you see the game last night, it went to overtime twice.', 'We should leave soon if we want to catch the last train home.',
];

/** The texts of one pool (`A` or `B`). */
export function textPool(pool) {
  const of = (o) => o[pool];
  return {
    hellos: of(HELLOS), answers: of(ANSWERS), longAnswers: of(LONG_ANSWERS), hardLong: of(HARD_LONG),
    openers: of(MACHINE_OPENERS), sentences: of(MACHINE_SENTENCES), short: of(MACHINE_SHORT), sit: of(SIT_ANNOUNCEMENTS),
  };
}
