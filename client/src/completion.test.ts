import { describe, expect, it } from 'vitest';
import { commandsFromHelp, completionCandidates, STATIC_COMMANDS, TabCompleter, type CompletionSource } from './completion';

const SOURCE: CompletionSource = {
  commands: [...STATIC_COMMANDS, 'whisper'],
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

describe('commandsFromHelp', () => {
  it('reads the command list and the aliases of one command', () => {
    const list = "Commands (type 'help <command>' for more):\n  Help: help\n  Moving: go, look\n  Talking: say";
    expect(commandsFromHelp(list)).toEqual(['help', 'go', 'look', 'say']);
    const one = 'go: Walk through an exit.\nUsage: go <direction>\nAliases: move, walk\nExamples: go north; n';
    expect(commandsFromHelp(one)).toEqual(['move', 'walk']);
  });

  it('ignores words that cannot be commands', () => {
    expect(commandsFromHelp('  Odd: <b>, two words, ok')).toEqual(['ok']);
  });
});
