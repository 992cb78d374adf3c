namespace Turn.Server.Transports;
