namespace Turn.Server;
