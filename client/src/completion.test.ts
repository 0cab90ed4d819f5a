import { describe, expect, it } from 'vitest';
import { commandWords, completionCandidates, TabCompleter, type CompletionSource } from './completion';
import { COMMANDS, type CommandInfo } from './protocol.generated';

// A fixed list, so these tests do not change when the game gains a command.
const SOME_COMMANDS = ['look', 'go', 'move', 'walk', 'say', 'who', 'help', 'whisper', 'north', 'east', 'up'];

const SOURCE: CompletionSource = {
  commands: SOME_COMMANDS,
  players: ['Bob', 'Bella', 'Carl'],
  exits: ['north', 'northeast', 'east'],
};

describe('completionCandidates', () => {
  it('completes the first word to command names, keeping a leading slash', () => {
    expect(completionCandidates('wh', SOURCE).candidates).toEqual(['whisper', 'who']);
    expect(completionCandidates('/lo', SOURCE).candidates).toEqual(['/look']);
    expect(completionCandidates('LO', SOURCE).candidates).toEqual(['look']);
  });

  it('completes later words to the players in the room', () => {
    expect(completionCandidates('whisper b', SOURCE)).toEqual({ start: 8, candidates: ['Bella', 'Bob'] });
    expect(completionCandidates('look ', SOURCE).candidates).toEqual(['Bella', 'Bob', 'Carl']);
  });

  it('completes the direction after go to the exits', () => {
    expect(completionCandidates('go no', SOURCE).candidates).toEqual(['north', 'northeast']);
  });
});

describe('TabCompleter', () => {
  it('completes a single match with a trailing space', () => {
    expect(new TabCompleter().complete('sa', SOURCE)).toBe('say ');
  });

  it('cycles through several matches on repeated Tab, and back with Shift+Tab', () => {
    const completer = new TabCompleter();
    expect(completer.complete('say hi b', SOURCE)).toBe('say hi Bella');
    expect(completer.complete('say hi Bella', SOURCE)).toBe('say hi Bob');
    expect(completer.complete('say hi Bob', SOURCE)).toBe('say hi Bella');
    expect(completer.complete('say hi Bella', SOURCE, true)).toBe('say hi Bob');
  });

  it('starts over after an edit, and returns null when nothing matches', () => {
    const completer = new TabCompleter();
    completer.complete('say b', SOURCE);
    completer.reset();
    expect(completer.complete('say c', SOURCE)).toBe('say Carl ');
    expect(completer.complete('xyz', SOURCE)).toBeNull();
  });
});

describe('commandWords', () => {
  const command = (name: string, aliases: string[], admin = false): CommandInfo => ({
    name,
    aliases,
    usage: name,
    summary: '',
    category: 'Test',
    admin,
  });

  it('lists every command and direction of the game, from the generated protocol', () => {
    const words = commandWords();
    for (const { name, admin } of COMMANDS) expect(words.includes(name)).toBe(!admin);
    expect(words).toEqual(expect.arrayContaining(['go', 'move', 'walk', 'whisper', 'tell', 'north', 'southwest', 'up']));
    expect(completionCandidates('wh', { commands: words, players: [], exits: [] }).candidates).toEqual([
      'whisper',
      'who',
      'whoami',
    ]);
  });

  it('offers admin commands to admins only', () => {
    const commands = [command('look', ['l']), command('kick', [], true)];
    expect(commandWords({}, commands, {})).toEqual(['look']);
    expect(commandWords({ admin: true }, commands, {})).toEqual(['look', 'kick']);
  });

  it('leaves out abbreviations and words that cannot be typed as a command', () => {
    const commands = [command('help', ['?']), command('emote', ['me']), command('quit', ['logout', 'exit'])];
    expect(commandWords({}, commands, { north: ['n'] })).toEqual(['help', 'emote', 'quit', 'logout', 'exit', 'north']);
  });
});
