namespace Turn.Client;
